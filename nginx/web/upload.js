// The upload page: asks the auth service for presigned URLs, sends the bytes
// straight to the origin's /<bucket>/uploads/ (one PUT, or parts four at a
// time), then follows the transcode until the video can be played.
// window.vidgateUpload is read by the browser test.
//
// A reload mid-upload is not resumed: the page keeps no record of the upload
// (resuming would list the upload's uploadedPartsUrl and send only the missing
// parts). The abandoned video stays "uploading" on the server until cancelled.
(function () {
  const $ = (id) => document.getElementById(id);
  const CONCURRENCY = 4;
  const RETRIES = 3;
  const POLL_MS = 1000;
  const MB = 1e6;
  const state = { videoId: null, phase: 'signing-in', uploadedBytes: 0, totalBytes: 0, status: null, errors: [] };
  window.vidgateUpload = state;
  const inFlight = new Set(); // XHRs that Cancel aborts
  let cancelled = false;
  let startedAt = 0;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

  function say(text) { $('status').textContent = text; }

  function fail(err) {
    const text = err instanceof Error ? err.message : String(err);
    state.errors.push(text);
    const item = document.createElement('li');
    item.textContent = text;
    $('errors').append(item);
  }

  function lockForm(locked) {
    for (const id of ['file', 'title', 'visibility', 'start']) $(id).disabled = locked;
  }

  /** MinIO answers in S3's XML, nginx and the services in {error, message}. */
  function describe(xhr) {
    const text = xhr.responseText || '';
    try {
      const body = JSON.parse(text);
      if (body && body.error) return body.message ? `${body.error}: ${body.message}` : body.error;
    } catch { /* not JSON */ }
    const code = /<Code>([^<]*)<\/Code>/.exec(text);
    const message = /<Message>([^<]*)<\/Message>/.exec(text);
    if (code) return message ? `${code[1]}: ${message[1]}` : code[1];
    return `HTTP ${xhr.status}`;
  }

  /** XHR rather than fetch: only XHR reports upload progress. Resolves with the ETag. */
  function put(url, body, headers, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      for (const [name, value] of Object.entries(headers || {})) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => onProgress(Math.min(e.loaded, body.size));
      const settle = (fn) => () => { inFlight.delete(xhr); fn(); };
      xhr.onload = settle(() => {
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader('ETag'));
        else reject(new Error(`storage refused the upload: ${describe(xhr)}`));
      });
      xhr.onerror = settle(() => reject(new Error('network error while sending the file')));
      xhr.onabort = settle(() => reject(new Error('upload aborted')));
      inFlight.add(xhr);
      xhr.send(body);
    });
  }

  function showUpload() {
    const { uploadedBytes: done, totalBytes: total } = state;
    $('upload-progress').value = total ? done / total : 0;
    const seconds = (performance.now() - startedAt) / 1000;
    const rate = seconds > 0 ? done / MB / seconds : 0;
    $('upload-label').textContent = `${(done / MB).toFixed(1)} of ${(total / MB).toFixed(1)} MB, ${rate.toFixed(1)} MB/s`;
  }

  async function uploadSingle(file, upload) {
    await put(upload.put.url, file, upload.put.headers, (bytes) => { state.uploadedBytes = bytes; showUpload(); });
    state.uploadedBytes = file.size;
    showUpload();
  }

  async function uploadMultipart(file, upload, videoId) {
    const { partSize, partCount } = upload;
    const partsPath = new URL(upload.morePartsUrl || `/v1/uploads/${videoId}/parts`, location.href).pathname;
    const urls = new Map(upload.parts.map((p) => [p.partNumber, p.url]));
    const loaded = new Map();
    const done = [];
    let next = 1;
    let fetching = null;
    let failed = false; // one part out of retries stops the others

    const fetchUrls = async (from, count) => {
      const more = await window.vidgate.call(`${partsPath}?from=${from}&count=${count}`);
      for (const p of more.parts) urls.set(p.partNumber, p.url);
    };
    async function urlFor(n) {
      // Workers take parts in order, so one batch fetch serves all four.
      while (!urls.has(n)) {
        if (!fetching) fetching = fetchUrls(n, 100).finally(() => { fetching = null; });
        await fetching;
      }
      return urls.get(n);
    }
    const progress = () => {
      let sum = 0;
      for (const bytes of loaded.values()) sum += bytes;
      state.uploadedBytes = sum;
      showUpload();
    };

    async function sendPart(n) {
      const blob = file.slice((n - 1) * partSize, Math.min(n * partSize, file.size));
      for (let attempt = 0; ; attempt++) {
        try {
          // A retry gets a fresh URL, in case the old one expired.
          if (attempt > 0) await fetchUrls(n, 1);
          const etag = await put(await urlFor(n), blob, {}, (bytes) => { loaded.set(n, bytes); progress(); });
          if (!etag) throw new Error(`part ${n}: the response carries no ETag header`);
          loaded.set(n, blob.size);
          progress();
          return { partNumber: n, etag };
        } catch (err) {
          if (cancelled || failed || attempt >= RETRIES) throw err;
          loaded.set(n, 0);
          progress();
          say(`part ${n} failed (${err.message}); retry ${attempt + 1} of ${RETRIES}`);
          await sleep(1000 * (attempt + 1));
        }
      }
    }

    const worker = async () => {
      while (next <= partCount && !cancelled && !failed) {
        try {
          done.push(await sendPart(next++));
        } catch (err) {
          failed = true;
          for (const xhr of inFlight) xhr.abort();
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, partCount) }, worker));
    if (cancelled) throw new Error('upload aborted');
    state.phase = 'completing';
    say('joining the parts');
    done.sort((a, b) => a.partNumber - b.partNumber);
    await window.vidgate.call(upload.completeUrl, { method: 'POST', body: JSON.stringify({ parts: done }) });
  }

  function showVideo(video) {
    state.status = video.status;
    $('transcode-progress').value = video.progress || 0;
    const percent = Math.round((video.progress || 0) * 100);
    if (video.status === 'processing') say(`processing, ${percent} %`);
    else if (video.status === 'ready') say(`ready: ${video.durationSeconds?.toFixed(1) ?? '?'} s, ${plural(video.renditions?.length ?? 0, 'rendition')}`);
    else say(video.status);
    if (video.status === 'failed') {
      $('failure').textContent = `Failed: ${video.failureReason || 'no reason given'}`;
      $('failure').hidden = false;
    }
    if (video.status === 'ready') {
      $('play').href = `/?v=${encodeURIComponent(video.id)}`;
      $('play').hidden = false;
    }
  }

  /** Polls the video until it is ready or failed; a few failed polls in a row end it. */
  async function follow(videoId) {
    let misses = 0;
    for (;;) {
      try {
        const video = await window.vidgate.call(`/v1/videos/${encodeURIComponent(videoId)}`);
        misses = 0;
        showVideo(video);
        if (video.status === 'ready' || video.status === 'failed') return video;
      } catch (err) {
        if (/^token_(invalid|missing)/.test(err.message)) await window.vidgate.signIn(); // the demo token lasts an hour
        else if (++misses >= 5) throw err;
        else say(`status unavailable (${err.message}); retrying`);
      }
      await sleep(POLL_MS);
    }
  }

  async function start() {
    const file = $('file').files[0];
    if (!file) throw new Error('choose a video file first');
    if (file.size === 0) throw new Error(`${file.name} is empty`);
    Object.assign(state, { videoId: null, phase: 'creating', uploadedBytes: 0, totalBytes: file.size, status: null });
    state.errors.length = 0;
    $('errors').replaceChildren();
    $('failure').hidden = true;
    $('play').hidden = true;
    $('upload-progress').value = 0;
    $('upload-label').textContent = '–';
    $('transcode-progress').value = 0;
    cancelled = false;
    lockForm(true);
    say('asking for an upload URL');
    const created = await window.vidgate.call('/v1/uploads', {
      method: 'POST',
      body: JSON.stringify({
        fileName: file.name.slice(0, 255),
        size: file.size,
        contentType: file.type || 'video/mp4',
        title: $('title').value.trim() || undefined,
        visibility: $('visibility').value,
      }),
    });
    state.videoId = created.videoId;
    state.status = created.status;
    state.phase = 'uploading';
    $('cancel').disabled = false;
    startedAt = performance.now();
    showUpload();
    say(created.upload.kind === 'single' ? 'uploading' : `uploading ${created.upload.partCount} parts`);
    try {
      if (created.upload.kind === 'single') await uploadSingle(file, created.upload);
      else await uploadMultipart(file, created.upload, created.videoId);
    } catch (err) {
      if (cancelled) return;
      // No resume: give the server its storage back and mark the video failed.
      await window.vidgate.call(`/v1/uploads/${created.videoId}`, { method: 'DELETE' }).catch(() => {});
      throw err;
    } finally {
      $('cancel').disabled = true;
    }
    state.phase = 'processing';
    const video = await follow(created.videoId);
    state.phase = video.status === 'ready' ? 'done' : 'failed';
  }

  $('upload-form').onsubmit = (e) => {
    e.preventDefault();
    start()
      .catch((err) => {
        if (cancelled) return;
        state.phase = 'error';
        say('upload failed');
        fail(err);
      })
      .finally(() => lockForm(false));
  };

  $('cancel').onclick = async () => {
    if (!state.videoId || cancelled) return;
    cancelled = true;
    $('cancel').disabled = true;
    for (const xhr of inFlight) xhr.abort();
    try {
      await window.vidgate.call(`/v1/uploads/${state.videoId}`, { method: 'DELETE' });
      Object.assign(state, { phase: 'cancelled', status: 'failed' });
      say('cancelled');
    } catch (err) {
      fail(err);
    }
  };

  window.addEventListener('beforeunload', (e) => {
    if (state.phase !== 'uploading' && state.phase !== 'completing') return;
    e.preventDefault();
    e.returnValue = ''; // older browsers ask only when this is set
  });

  window.vidgate.signIn()
    .then((sub) => {
      $('user').textContent = sub;
      state.phase = 'idle';
      say('choose a video file');
      lockForm(false);
    })
    .catch((err) => { state.phase = 'error'; say('sign-in failed'); fail(err); });
})();
