// The library: the signed-in user's videos (rename, visibility, sharing,
// delete) or those shared with them; a click plays one in the player. Videos
// still uploading or transcoding are refreshed until they settle.
// window.vidgateLibrary is read by the browser test.
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { view: 'mine', videos: [], errors: [], loaded: 0 };
  window.vidgateLibrary = state;
  let refresh;

  const status = (text, isError) => window.vidgate.showStatus(state.errors, text, isError);

  const names = (text) => [...new Set(text.split(',').map((n) => n.trim()).filter(Boolean))];

  function row(video) {
    const item = $('video-row').content.firstElementChild.cloneNode(true);
    item.dataset.id = video.id;
    for (const link of item.querySelectorAll('a.play')) {
      if (video.status === 'ready') link.href = `/?v=${encodeURIComponent(video.id)}`;
    }
    item.querySelector('.title').textContent = video.title;
    const poster = item.querySelector('.poster');
    if (video.posterUrl) poster.src = video.posterUrl; else poster.hidden = true;
    const settled = video.status === 'ready' || video.status === 'failed';
    item.querySelector('.status-text').textContent = video.status === 'failed' ? `failed${video.failureReason ? `: ${video.failureReason}` : ''}`
      : settled ? `${video.visibility}, ${Math.round(video.durationSeconds ?? 0)} s` : `${video.status} ${Math.round(video.progress * 100)} %`;
    const bar = item.querySelector('progress');
    bar.hidden = settled;
    bar.value = video.progress;
    const form = item.querySelector('form.manage');
    if (!video.sharedWith) {
      form.remove(); // shared with me: watch only
      return item;
    }
    form.elements.title.value = video.title;
    form.elements.visibility.value = video.visibility;
    form.elements.users.value = video.sharedWith.users.join(', ');
    form.elements.groups.value = video.sharedWith.groups.join(', ');
    form.onsubmit = (e) => {
      e.preventDefault();
      const changes = {
        title: form.elements.title.value,
        visibility: form.elements.visibility.value,
        sharedWith: { users: names(form.elements.users.value), groups: names(form.elements.groups.value) },
      };
      window.vidgate.call(`/v1/videos/${encodeURIComponent(video.id)}`, { method: 'PATCH', body: JSON.stringify(changes) })
        .then((changed) => { item.replaceWith(row(changed)); status(`saved "${changed.title}"`); })
        .catch((err) => status(err.message, true));
    };
    if (video.status === 'ready') captions(item.querySelector('.captions'), video);
    item.querySelector('.delete').onclick = () => {
      if (!confirm(`Delete "${video.title}" for good? Its viewers lose it too.`)) return;
      window.vidgate.call(`/v1/videos/${encodeURIComponent(video.id)}`, { method: 'DELETE' })
        .then(() => { item.remove(); state.videos = state.videos.filter((v) => v.id !== video.id); status(`deleted "${video.title}"`); })
        .catch((err) => status(err.message, true));
    };
    return item;
  }

  /** The owner's captions of a ready video: listed when opened, added from a WebVTT file, removed. */
  function captions(box, video) {
    const base = `/v1/videos/${encodeURIComponent(video.id)}/captions`;
    const show = (list) => box.querySelector('.caption-list').replaceChildren(...list.captions.map((caption) => {
      const entry = document.createElement('li');
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Remove';
      remove.onclick = () => window.vidgate.call(`${base}/${caption.language}`, { method: 'DELETE' })
        .then(() => { entry.remove(); status(`removed the ${caption.label} captions of "${video.title}"`); })
        .catch((err) => status(err.message, true));
      entry.append(`${caption.label} (${caption.language}) `, remove);
      return entry;
    }));
    const reload = () => window.vidgate.call(base).then(show).catch((err) => status(err.message, true));
    box.hidden = false;
    box.ontoggle = () => { if (box.open) reload(); };
    const form = box.querySelector('form.add-caption');
    form.onsubmit = (e) => {
      e.preventDefault();
      const label = form.elements.label.value.trim();
      const query = label ? `?label=${encodeURIComponent(label)}` : '';
      window.vidgate.call(`${base}/${encodeURIComponent(form.elements.language.value.trim())}${query}`, { method: 'PUT', body: form.elements.file.files[0], headers: { 'Content-Type': 'text/vtt' } })
        .then((added) => { form.reset(); status(`added the ${added.label} captions of "${video.title}"`); return reload(); })
        .catch((err) => status(err.message, true));
    };
  }

  async function load(cursor) {
    clearTimeout(refresh);
    const page = await window.vidgate.call(`/v1/videos?view=${state.view}&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!cursor) { state.videos = []; $('videos').replaceChildren(); }
    state.videos.push(...page.videos);
    $('videos').append(...page.videos.map(row));
    $('more').hidden = !page.nextCursor;
    $('more').onclick = () => load(page.nextCursor).catch((err) => status(err.message, true));
    state.loaded++;
    status(state.videos.length ? '' : state.view === 'mine' ? 'no videos yet: upload one' : 'nothing is shared with you yet');
    // Uploads and transcodes in progress: look again until they settle.
    if (!cursor && state.videos.some((v) => v.status === 'uploading' || v.status === 'processing')) refresh = setTimeout(() => load().catch((err) => status(err.message, true)), 2000);
  }

  for (const tab of document.querySelectorAll('#views button')) {
    tab.onclick = () => {
      state.view = tab.dataset.view;
      for (const other of document.querySelectorAll('#views button')) other.setAttribute('aria-selected', String(other === tab));
      load().catch((err) => status(err.message, true));
    };
  }

  window.vidgate.signIn()
    .then((sub) => { $('user').textContent = sub; return load(); })
    .catch((err) => status(err.message, true));
})();
