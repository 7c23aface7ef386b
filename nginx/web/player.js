// The demo player: signs in, asks for playback, plays the signed master playlist
// with hls.js and shows which rendition is on screen. window.vidgatePlayer is
// read by the browser test.
(function () {
  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const state = { level: -1, levelName: null, errors: [], levelsPlayed: [] };
  window.vidgatePlayer = state;
  let hls;

  const status = (text, isError) => window.vidgate.showStatus(state.errors, text, isError);

  function showLevels() {
    const box = $('levels');
    box.replaceChildren();
    const choices = [{ index: -1, name: 'Auto' }, ...hls.levels.map((l, index) => ({ index, name: `${l.height}p` }))];
    for (const choice of choices) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = choice.name;
      button.setAttribute('aria-pressed', String(hls.autoLevelEnabled ? choice.index === -1 : choice.index === hls.currentLevel));
      button.onclick = () => { hls.currentLevel = choice.index; showLevels(); };
      box.append(button);
    }
  }

  /** The captions menu: Off and the master's subtitle renditions (the native controls' CC menu offers the same tracks). */
  function showCaptions() {
    const menu = $('captions');
    menu.replaceChildren(new Option('Off', '-1'), ...hls.subtitleTracks.map((t, index) => new Option(t.lang ? `${t.name} (${t.lang})` : t.name, String(index))));
    menu.value = String(hls.subtitleTrack);
    menu.disabled = hls.subtitleTracks.length === 0;
    menu.onchange = () => { hls.subtitleTrack = Number(menu.value); };
  }

  async function play(videoId) {
    status(`asking for playback of "${videoId}"`);
    const playback = await window.vidgate.call(`/v1/videos/${encodeURIComponent(videoId)}/playback`);
    video.poster = playback.posterUrl;
    // Seek thumbnails are an extra: without them the video still plays.
    window.vidgateStoryboard.show(video, playback).catch((err) => console.warn(err.message));
    if (!nativeOnly) return playWithHlsJs(playback, videoId);
    video.src = playback.masterUrl; // Safari plays signed HLS natively
    video.play().catch(() => {});
    status(`playing "${videoId}" with the browser's own HLS`);
  }

  function playWithHlsJs(playback, videoId) {
    if (hls) hls.destroy();
    hls = new Hls({ maxBufferLength: 10 });
    window.vidgateHls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => { showLevels(); showCaptions(); video.play().catch(() => {}); });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => {
      const level = hls.levels[data.level];
      state.level = data.level;
      state.levelName = `${level.height}p`;
      $('rendition').textContent = `${level.width}×${level.height} (${Math.round(level.bitrate / 1000)} kb/s)`;
      showLevels();
    });
    hls.on(Hls.Events.FRAG_CHANGED, (_e, data) => {
      if (!state.levelsPlayed.includes(data.frag.level)) state.levelsPlayed.push(data.frag.level);
    });
    hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, showCaptions);
    hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, showCaptions);
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (data.fatal) status(`playback error: ${data.details}`, true);
    });
    hls.loadSource(playback.masterUrl);
    hls.attachMedia(video);
    status(`playing "${videoId}" (${playback.durationSeconds?.toFixed(1) ?? '?'} s)`);
  }

  $('pick').onsubmit = (e) => {
    e.preventDefault();
    history.replaceState(null, '', `?v=${encodeURIComponent($('video-id').value)}`);
    play($('video-id').value).catch((err) => status(err.message, true));
  };

  const nativeOnly = !(window.Hls && Hls.isSupported());
  if (nativeOnly && !video.canPlayType('application/vnd.apple.mpegurl')) {
    status('this browser can play neither HLS nor Media Source Extensions', true);
    return;
  }
  window.vidgate.signIn()
    .then((sub) => {
      $('user').textContent = sub;
      // Read after signing in: coming back from the identity provider, the address holds its code until then.
      const requested = new URLSearchParams(location.search).get('v');
      if (requested) $('video-id').value = requested;
      return play($('video-id').value);
    })
    .catch((err) => status(err.message, true));
})();
