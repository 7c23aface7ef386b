// Seek thumbnails. Native video controls cannot be decorated, so a strip under
// the video stands for its timeline: hovering it shows the storyboard tile of
// that instant (a WebVTT cue naming a signed JPEG sheet and an #xywh tile, from
// playback's storyboardUrl), clicking it seeks. Sheets are fetched once, as
// they are signed, straight from nginx's /media/.
(function () {
  const strip = document.getElementById('seek-strip');
  const played = strip.querySelector('.played');
  const preview = document.getElementById('storyboard-preview');
  const label = preview.querySelector('.time');
  let board = { cues: [], duration: 0 };
  let video;
  // Bumped by every show(): a slower answer for an earlier video is dropped.
  let generation = 0;

  const seconds = (t) => t.trim().split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
  const clock = (t) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, '0')}`;

  /** The cues of a storyboard: start, end, the sheet's absolute URL and the tile's rectangle. */
  function parseStoryboard(text, base) {
    const cues = [];
    for (const block of text.replace(/\r\n/g, '\n').split(/\n{2,}/)) {
      const lines = block.split('\n');
      const at = lines.findIndex((line) => line.includes('-->'));
      const ref = at < 0 ? undefined : lines[at + 1];
      const hash = ref ? ref.lastIndexOf('#xywh=') : -1;
      if (hash < 0) continue;
      const [start, end] = lines[at].split('-->').map(seconds);
      const [x, y, w, h] = ref.slice(hash + '#xywh='.length).split(',').map(Number);
      cues.push({ start, end, url: new URL(ref.slice(0, hash), base).href, x, y, w, h });
    }
    return cues;
  }

  const cueAt = (t) => board.cues.find((c) => t >= c.start && t < c.end) ?? board.cues[board.cues.length - 1];
  const timeAt = (clientX) => {
    const box = strip.getBoundingClientRect();
    return (Math.min(Math.max(clientX - box.left, 0), box.width) / box.width) * board.duration;
  };

  strip.addEventListener('mousemove', (e) => {
    const t = timeAt(e.clientX);
    const cue = cueAt(t);
    if (!cue) return;
    preview.style.width = `${cue.w}px`;
    preview.style.height = `${cue.h}px`;
    preview.style.backgroundImage = `url("${cue.url}")`;
    preview.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    const left = e.clientX - strip.getBoundingClientRect().left - cue.w / 2;
    preview.style.left = `${Math.min(Math.max(left, 0), strip.clientWidth - cue.w)}px`;
    label.textContent = clock(t);
    preview.hidden = false;
  });
  strip.addEventListener('mouseleave', () => { preview.hidden = true; });
  strip.addEventListener('click', (e) => { if (video) video.currentTime = timeAt(e.clientX); });

  function hide() {
    board = { cues: [], duration: 0 };
    strip.hidden = true;
    preview.hidden = true;
    delete strip.dataset.ready;
  }

  /** Shows the strip for a playback response; nothing when the video has no storyboard. */
  async function show(element, playback) {
    hide();
    video = element;
    const mine = ++generation;
    if (!playback.storyboardUrl) return;
    const res = await fetch(playback.storyboardUrl);
    if (!res.ok) throw new Error(`storyboard: ${res.status}`);
    const cues = parseStoryboard(await res.text(), playback.storyboardUrl);
    if (cues.length === 0 || mine !== generation) return;
    board = { cues, duration: playback.durationSeconds ?? cues[cues.length - 1].end };
    strip.hidden = false;
    // Each sheet fetched before the first hover: a handful of images, and hovering never waits.
    await Promise.all([...new Set(cues.map((c) => c.url))].map((url) => new Promise((resolve) => {
      const image = new Image();
      image.onload = image.onerror = resolve;
      image.src = url;
    })));
    if (mine === generation) strip.dataset.ready = 'true';
  }

  const update = () => { if (video && board.duration) played.style.width = `${Math.min(100, (video.currentTime / board.duration) * 100)}%`; };
  document.addEventListener('timeupdate', update, true);

  window.vidgateStoryboard = { show, parseStoryboard };
})();
