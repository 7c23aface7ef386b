// The upload page: Uppy's S3 uploader (/vendor/uppy.min.js) sends the bytes
// straight to the origin's /<bucket>/uploads/ with the URLs our auth service
// presigns (one PUT, or parts four at a time, retried), then the page follows
// the transcode until the video can be played.
//
// A multipart upload survives a reload: the page keeps a small record of it in
// localStorage; after the reload it offers to resume (the same file chosen
// again: Uppy lists the parts the server holds and sends only the others) or
// to discard it (cancelled on the server). window.vidgateUpload is read by the
// browser tests.
(function () {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 1000;
  const MB = 1e6;
  const PART_BATCH = 100; // the most part URLs the server mints per call
  const state = { videoId: null, phase: 'signing-in', uploadedBytes: 0, totalBytes: 0, status: null, errors: [], resumable: null };
  window.vidgateUpload = state;
  const call = (path, options) => window.vidgate.call(path, options);
  const uploadPath = (videoId, rest = '') => `/v1/uploads/${encodeURIComponent(videoId)}${rest}`;
  let user;
  /** What Uppy is sending: the video and how the server said to upload it (POST /v1/uploads, or the record of a resumed upload). */
  let current = null;
  let uploadError = null;
  let startedAt = 0;
  let storedBefore = 0; // bytes the server already held when a resumed upload started

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

  function say(text) { $('status').textContent = text; }

  function fail(err) {
    const text = err instanceof Error ? err.message : String(err);
    state.errors.push(text);
    const item = document.createElement('li');
    item.textContent = text;
    $('errors').append(item);
  }

  function lockForm(locked) {
    for (const id of ['file', 'start']) $(id).disabled = locked;
    for (const id of ['title', 'visibility']) $(id).disabled = locked || Boolean(state.resumable);
  }

  /** A refused part or PUT carries Uppy's XHR: MinIO answers in S3's XML, nginx in our {error, message}. */
  function describe(err) {
    const xhr = err && err.source;
    if (!xhr || typeof xhr.status !== 'number') return err instanceof Error ? err : new Error(String(err));
    const text = xhr.responseText || '';
    try {
      const body = JSON.parse(text);
      if (body && body.error) return new Error(`storage refused the upload: ${body.error}${body.message ? `: ${body.message}` : ''}`);
    } catch { /* not JSON */ }
    const code = /<Code>([^<]*)<\/Code>/.exec(text);
    const message = /<Message>([^<]*)<\/Message>/.exec(text);
    if (code) return new Error(`storage refused the upload: ${code[1]}${message ? `: ${message[1]}` : ''}`);
    return new Error(xhr.status ? `storage refused the upload: HTTP ${xhr.status}` : 'network error while sending the file');
  }

  // The record of an unfinished multipart upload, one per user of this browser.
  const recordKey = () => `vidgate.upload.${user}`;
  const sameFile = (record, file) => record.file.name === file.name && record.file.size === file.size && record.file.lastModified === file.lastModified;
  function loadRecord() {
    try { return JSON.parse(localStorage.getItem(recordKey())); } catch { return null; }
  }
  function dropRecord() {
    localStorage.removeItem(recordKey());
    state.resumable = null;
    $('resume').hidden = true;
    $('start').textContent = 'Upload';
  }

  // Ends an upload on the server once, whoever asks first (Cancel, Discard, or Uppy on Cancel).
  const endings = new Map();
  function endUpload(videoId) {
    if (!endings.has(videoId)) {
      const ending = call(uploadPath(videoId), { method: 'DELETE' });
      ending.catch(() => endings.delete(videoId)); // a failed attempt may be tried again
      endings.set(videoId, ending);
    }
    return endings.get(videoId);
  }

  // Part URLs: the first hundred come with the upload, more (and fresh ones for a retry) from /parts. Each is used once.
  const partUrls = new Map();
  let fetchingUrls = null;
  async function partUrl(videoId, partNumber) {
    while (!partUrls.has(partNumber)) {
      fetchingUrls ??= call(uploadPath(videoId, `/parts?from=${partNumber}&count=${PART_BATCH}`))
        .then((more) => { for (const p of more.parts) partUrls.set(p.partNumber, p.url); })
        .finally(() => { fetchingUrls = null; });
      await fetchingUrls;
    }
    const url = partUrls.get(partNumber);
    partUrls.delete(partNumber);
    return url;
  }

  // Uppy's key and uploadId are our video id: the server keeps MinIO's own and answers for the video.
  const uppy = new window.Uppy.Uppy({ id: 'vidgate-upload' });
  uppy.use(window.Uppy.AwsS3, {
    limit: 4,
    retryDelays: [0, 1000, 3000],
    // The server chose single or multipart, and the part size, when it created the upload.
    shouldUseMultipart: () => current.upload.kind === 'multipart',
    getChunkSize: () => current.upload.partSize,
    getUploadParameters: () => ({ method: 'PUT', url: current.upload.put.url, headers: current.upload.put.headers }),
    createMultipartUpload: () => ({ key: current.videoId, uploadId: current.videoId }),
    signPart: async (_file, { key, partNumber }) => ({ method: 'PUT', url: await partUrl(key, partNumber) }),
    listParts: async (_file, { key }) => {
      const { parts } = await call(uploadPath(key, '/parts/uploaded'));
      storedBefore = parts.reduce((sum, p) => sum + p.size, 0);
      return parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, Size: p.size }));
    },
    completeMultipartUpload: async (_file, { key, parts }) => {
      state.phase = 'completing';
      say('joining the parts');
      await call(uploadPath(key, '/complete'), { method: 'POST', body: JSON.stringify({ parts: parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag })) }) });
      return {};
    },
    // Uppy also aborts after a failed part; the page keeps that upload to resume, and ends it only on Cancel.
    abortMultipartUpload: async (_file, { key }) => { if (state.phase === 'cancelling') await endUpload(key); },
  });
  uppy.on('upload-progress', (_file, progress) => { state.uploadedBytes = progress.bytesUploaded; showUpload(); });
  uppy.on('upload-error', (_file, err) => { uploadError = describe(err); });

  function showUpload() {
    const { uploadedBytes: done, totalBytes: total } = state;
    $('upload-progress').value = total ? done / total : 0;
    const seconds = (performance.now() - startedAt) / 1000;
    const rate = seconds > 0 ? Math.max(0, done - storedBefore) / MB / seconds : 0;
    const kept = storedBefore ? ` (${mb(storedBefore)} were already stored)` : '';
    $('upload-label').textContent = `${mb(done)} of ${mb(total)}, ${rate.toFixed(1)} MB/s${kept}`;
  }

  function showVideo(video) {
    state.status = video.status;
    $('transcode-progress').value = video.progress || 0;
    const percent = Math.round((video.progress || 0) * 100);
    if (video.status === 'processing') say(`processing, ${percent} %`);
    else if (video.status === 'ready') say(`ready: ${video.durationSeconds?.toFixed(1) ?? '?'} s, ${plural((video.renditions ?? []).filter((r) => r.kind !== 'audio').length, 'picture size')}${(video.renditions ?? []).some((r) => r.kind === 'audio') ? ' and audio only' : ''}`);
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
        const video = await call(`/v1/videos/${encodeURIComponent(videoId)}`);
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

  /** POST /v1/uploads: the video record and how to upload; a multipart upload is recorded, so a reload can resume it. */
  async function create(file) {
    say('asking for an upload URL');
    const title = $('title').value.trim() || undefined;
    const visibility = $('visibility').value;
    const created = await call('/v1/uploads', {
      method: 'POST',
      body: JSON.stringify({ fileName: file.name.slice(0, 255), size: file.size, contentType: file.type || 'video/mp4', title, visibility }),
    });
    const { upload } = created;
    if (upload.kind === 'multipart') {
      for (const p of upload.parts) partUrls.set(p.partNumber, p.url);
      const record = { videoId: created.videoId, partSize: upload.partSize, partCount: upload.partCount, title: title ?? file.name, visibility, file: { name: file.name, size: file.size, lastModified: file.lastModified } };
      localStorage.setItem(recordKey(), JSON.stringify(record));
    }
    return { videoId: created.videoId, upload };
  }

  async function start() {
    const file = $('file').files[0];
    if (!file) throw new Error('choose a video file first');
    if (file.size === 0) throw new Error(`${file.name} is empty`);
    const record = state.resumable;
    if (record && !sameFile(record, file)) {
      throw new Error(`${file.name} is not the file of the interrupted upload (${record.file.name}, ${mb(record.file.size)}): choose that file to resume it, or discard the upload first`);
    }
    Object.assign(state, { videoId: null, phase: 'creating', uploadedBytes: 0, totalBytes: file.size, status: null });
    state.errors.length = 0;
    $('errors').replaceChildren();
    $('failure').hidden = true;
    $('play').hidden = true;
    $('upload-progress').value = 0;
    $('upload-label').textContent = '–';
    $('transcode-progress').value = 0;
    lockForm(true);
    partUrls.clear();
    uploadError = null;
    storedBefore = 0;
    $('resume').hidden = true; // offered again if this attempt fails too
    current = record ? { videoId: record.videoId, upload: { kind: 'multipart', partSize: record.partSize } } : await create(file);
    Object.assign(state, { videoId: current.videoId, status: 'uploading', phase: 'uploading' });
    $('cancel').disabled = false;
    startedAt = performance.now();
    showUpload();
    say(record ? 'resuming: asking which parts are stored' : current.upload.kind === 'single' ? 'uploading' : `uploading ${plural(current.upload.partCount, 'part')}`);
    uppy.clear(); // a failed file would otherwise be retried beside the new one
    const fileId = uppy.addFile({ name: file.name, type: file.type || 'video/mp4', data: file, source: 'vidgate' });
    // Uppy resumes a multipart upload it finds on the file: it lists the stored parts and sends the rest.
    if (record) uppy.setFileState(fileId, { s3Multipart: { key: current.videoId, uploadId: current.videoId } });
    try {
      const result = await uppy.upload();
      if (state.phase === 'cancelling' || state.phase === 'cancelled') return;
      if (!result || result.failed.length > 0) throw uploadError ?? new Error(result?.failed[0]?.error ?? 'the upload failed');
    } catch (err) {
      if (state.phase === 'cancelling' || state.phase === 'cancelled') return;
      // A multipart upload stays on the server to be resumed; a single PUT is given up.
      if (current.upload.kind === 'single') await endUpload(current.videoId).catch(() => {});
      else await findInterrupted().catch(() => {});
      throw err;
    } finally {
      $('cancel').disabled = true;
    }
    dropRecord();
    state.uploadedBytes = file.size;
    showUpload();
    state.phase = 'processing';
    const video = await follow(current.videoId);
    state.phase = video.status === 'ready' ? 'done' : 'failed';
  }

  /** The recorded upload, if the server still has it open: offered to resume or discard. */
  async function findInterrupted() {
    const record = loadRecord();
    if (!record) return;
    let stored;
    try {
      const video = await call(`/v1/videos/${encodeURIComponent(record.videoId)}`);
      if (video.status !== 'uploading') return dropRecord(); // completed (or ended) before the page went
      stored = (await call(uploadPath(record.videoId, '/parts/uploaded'))).parts.length;
    } catch (err) {
      if (/^(video_not_found|upload_expired|conflict|not_found)/.test(err.message)) return dropRecord();
      throw err;
    }
    state.resumable = { ...record, stored };
    $('resume-text').textContent = `The upload of ${record.file.name} (${mb(record.file.size)}, “${record.title}”) was interrupted with ${stored} of ${plural(record.partCount, 'part')} stored. Choose the same file to resume it: only the missing parts are sent.`;
    $('resume').hidden = false;
    $('start').textContent = 'Resume upload';
    $('title').value = record.title;
    $('visibility').value = record.visibility;
  }

  $('upload-form').onsubmit = (e) => {
    e.preventDefault();
    start()
      .catch((err) => {
        if (state.phase === 'cancelling' || state.phase === 'cancelled') return;
        state.phase = 'error';
        say('upload failed');
        fail(err);
      })
      .finally(() => lockForm(false));
  };

  $('cancel').onclick = async () => {
    if (state.phase !== 'uploading' && state.phase !== 'completing') return;
    state.phase = 'cancelling';
    $('cancel').disabled = true;
    uppy.cancelAll(); // aborts the requests in flight
    try {
      await endUpload(state.videoId);
      dropRecord();
      Object.assign(state, { phase: 'cancelled', status: 'failed' });
      say('cancelled');
    } catch (err) {
      fail(err);
    }
  };

  $('discard').onclick = async () => {
    const record = state.resumable;
    if (!record) return;
    $('discard').disabled = true;
    try {
      await endUpload(record.videoId).catch((err) => { if (!/^(video_not_found|conflict|upload_expired)/.test(err.message)) throw err; });
      dropRecord();
      say(`discarded the upload of ${record.file.name}`);
      lockForm(false);
    } catch (err) {
      fail(err);
    } finally {
      $('discard').disabled = false;
    }
  };

  window.addEventListener('beforeunload', (e) => {
    if (state.phase !== 'uploading' && state.phase !== 'completing') return;
    e.preventDefault();
    e.returnValue = ''; // older browsers ask only when this is set
  });

  window.vidgate.signIn()
    .then(async (sub) => {
      user = sub;
      $('user').textContent = sub;
      await findInterrupted().catch(fail); // the record stays for the next visit
      state.phase = 'idle';
      say(state.resumable ? 'an upload can be resumed' : 'choose a video file');
      lockForm(false);
    })
    .catch((err) => { state.phase = 'error'; say('sign-in failed'); fail(err); });
})();
