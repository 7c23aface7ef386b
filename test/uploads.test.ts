import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { minioClient } from '@vidgate/common/minio-store';
import { videoKeys } from '@vidgate/common/video';
import { BUCKET, jsonError, rootClient, sha256 } from './support/media-fixtures.ts';
import { scrapeAuth, sum } from './support/prometheus.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';
import { api, createUpload, errorOf, objectSha256, putPresigned, storageHeaders, type SingleUpload } from './support/uploads.ts';
import { tokenFor } from './support/videos.ts';
import { waitForVideo } from './support/pipeline.ts';
import { eventually } from './support/poll.ts';

// Direct uploads as a client sees them: the auth service hands out presigned
// URLs for the public origin, signed with a session that may write that one
// source only; nginx streams the bytes to MinIO, and MinIO enforces signature,
// expiry, Content-Type, size and If-None-Match. Every refusal is our JSON (never
// MinIO's XML or headers) and leaves no object behind.
const uploader = tokenFor('upload-tester');
const BODY = randomBytes(64 * 1024);

const newUpload = (size = BODY.length, contentType = 'video/mp4') =>
  createUpload<SingleUpload>(uploader, { fileName: 'clip.mp4', size, contentType, title: 'upload test' });

async function sourceExists(videoId: string): Promise<boolean> {
  return rootClient.statObject(BUCKET, videoKeys.source(videoId)).then(() => true, () => false);
}

/** Unix ms of a presigned URL's X-Amz-Date (20261122T082007Z). */
function signedAt(url: string): number {
  const d = new URL(url).searchParams.get('X-Amz-Date')!;
  return Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 11)}:${d.slice(11, 13)}:${d.slice(13)}`);
}

describe('a presigned PUT', () => {
  it('with the signed Content-Type stores exactly the bytes sent', async () => {
    const { videoId, upload } = await newUpload();
    expect(upload.kind).toBe('single');
    expect(upload.put.url.startsWith(`${ORIGIN}/${BUCKET}/${videoKeys.source(videoId)}?`)).toBe(true);
    expect(upload.put.headers).toEqual({ 'Content-Type': 'video/mp4', 'If-None-Match': '*' });

    const res = await putPresigned(upload.put.url, BODY, 'video/mp4');
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '' });
    expect(storageHeaders(res.headers)).toEqual([]);
    expect(res.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await objectSha256(videoKeys.source(videoId))).toBe(sha256(BODY));
    const stat = await rootClient.statObject(BUCKET, videoKeys.source(videoId));
    expect({ size: stat.size, contentType: stat.metaData['content-type'] }).toEqual({ size: BODY.length, contentType: 'video/mp4' });
  });

  it('begun before its upload was cancelled, may land, but is not kept: the transcoder removes the source', async () => {
    const { videoId, upload } = await newUpload();
    // Half the body now, the rest after the cancel: MinIO checked the credentials when the request began.
    let answered: (status: number) => void;
    const put = new Promise<number>((resolve) => (answered = resolve));
    const req = request(new URL(upload.put.url), { method: 'PUT', headers: { 'Content-Type': 'video/mp4', 'Content-Length': BODY.length, 'If-None-Match': '*' } }, (res) => {
      res.resume().on('end', () => answered(res.statusCode!));
    });
    req.on('error', () => answered(Number.NaN)); // not 200: the assertion below says so
    req.write(BODY.subarray(0, BODY.length / 2));
    await new Promise((r) => setTimeout(r, 300));
    expect((await api(`/v1/uploads/${videoId}`, { method: 'DELETE', token: uploader })).status).toBe(204);
    req.end(BODY.subarray(BODY.length / 2));
    expect(await put).toBe(200); // landed after the cancel: the case this test is about
    expect(await sourceExists(videoId)).toBe(true);
    await eventually('the late source removed', async () => ((await sourceExists(videoId)) ? undefined : true), 30_000);
    expect((await api(`/v1/videos/${videoId}`, { token: uploader })).body).toMatchObject({ status: 'failed', failureReason: 'upload cancelled' });
  });

  it('is signed by a one-purpose session, not by the auth service\'s own storage user', async () => {
    const { upload } = await newUpload();
    const query = new URL(upload.put.url).searchParams;
    expect(query.get('X-Amz-Credential')!.split('/')[0]).not.toBe(testConfig.minio.auth.accessKey);
    expect(query.get('X-Amz-Security-Token')).toBeTruthy();
    expect(query.get('X-Amz-SignedHeaders')!.split(';')).toEqual(expect.arrayContaining(['content-length', 'content-type', 'if-none-match']));
    expect(upload.post.fields['x-amz-security-token']).toBeTruthy();
  });

  it('with another Content-Type is refused by MinIO (403 upload_refused, JSON) and stores nothing', async () => {
    const { videoId, upload } = await newUpload();
    const res = await putPresigned(upload.put.url, BODY, 'video/webm');
    expect({ status: res.status, error: errorOf(res.text), type: res.headers.get('content-type') }).toEqual({ status: 403, error: 'upload_refused', type: 'application/json' });
    expect(res.text).not.toMatch(/<\?xml|<Error>|BucketName|vidgate-media/);
    expect(storageHeaders(res.headers)).toEqual([]);
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('cannot replace a source once it is stored: the second PUT is refused by MinIO (412 source_exists)', async () => {
    const { videoId, upload } = await newUpload();
    expect((await putPresigned(upload.put.url, BODY, 'video/mp4')).status).toBe(200);
    const again = await putPresigned(upload.put.url, randomBytes(BODY.length), 'video/mp4');
    expect({ status: again.status, error: errorOf(again.text) }).toEqual({ status: 412, error: 'source_exists' });
    expect(await objectSha256(videoKeys.source(videoId))).toBe(sha256(BODY));
  });

  it('without the If-None-Match header it was signed with is refused, and stores nothing', async () => {
    const { videoId, upload } = await newUpload();
    const res = await putPresigned(upload.put.url, BODY, 'video/mp4', {});
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(['upload_invalid', 'upload_refused']).toContain(errorOf(res.text));
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('with more or fewer bytes than declared is refused by MinIO (403 upload_refused) and stores nothing', async () => {
    const { videoId, upload } = await newUpload();
    for (const body of [Buffer.concat([BODY, BODY]), BODY.subarray(1)]) {
      const res = await putPresigned(upload.put.url, body, 'video/mp4');
      expect({ status: res.status, error: errorOf(res.text) }).toEqual({ status: 403, error: 'upload_refused' });
    }
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('cannot be turned into a server-side copy of another object (x-amz-copy-source is dropped)', async () => {
    const { videoId, upload } = await newUpload();
    const res = await fetch(upload.put.url, {
      method: 'PUT',
      body: BODY,
      headers: { 'Content-Type': 'video/mp4', 'If-None-Match': '*', 'x-amz-copy-source': `/${BUCKET}/videos/demo/hls/master.m3u8`, 'x-amz-meta-owner': 'mallory' },
    });
    expect(res.status).toBe(200);
    // What is stored is the body sent, not the demo's playlist; no metadata came along.
    expect(await objectSha256(videoKeys.source(videoId))).toBe(sha256(BODY));
    const stat = await rootClient.statObject(BUCKET, videoKeys.source(videoId));
    expect(stat.metaData).not.toHaveProperty('owner');
  });

  it('with a tampered signature is refused (403 upload_refused)', async () => {
    const { videoId, upload } = await newUpload();
    const tampered = upload.put.url.replace(/(X-Amz-Signature=)(.)/, (_, p: string, c: string) => p + (c === 'a' ? 'b' : 'a'));
    expect(tampered).not.toBe(upload.put.url);
    const res = await putPresigned(tampered, BODY, 'video/mp4');
    expect({ status: res.status, error: errorOf(res.text) }).toEqual({ status: 403, error: 'upload_refused' });
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('after its expiry is refused (403 upload_refused)', async () => {
    const { videoId } = await newUpload();
    // Signed the way the auth service signs, but for one second only.
    const publicClient = minioClient({ ...testConfig.minio, endpoint: ORIGIN }, testConfig.minio.auth);
    const url = await publicClient.presignedUrl('PUT', BUCKET, videoKeys.source(videoId), 1);
    const expiresAt = signedAt(url) + 1_000;
    // Waiting for a clock, not for a service: X-Amz-Date has whole seconds.
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt + 1_000 - Date.now())));
    const res = await putPresigned(url, BODY, 'video/mp4', {});
    expect({ status: res.status, error: errorOf(res.text) }).toEqual({ status: 403, error: 'upload_refused' });
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('without any signature is refused by nginx (403 signature_missing) before MinIO', async () => {
    const { videoId, upload } = await newUpload();
    const res = await putPresigned(upload.put.url.split('?')[0]!, BODY, 'video/mp4');
    expect({ status: res.status, body: JSON.parse(res.text) }).toEqual({ status: 403, body: jsonError('signature_missing') });
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('the upload path answers GET with 405, signed or not', async () => {
    const { upload } = await newUpload();
    for (const url of [upload.put.url, upload.put.url.split('?')[0]!]) {
      const res = await fetch(url);
      expect({ url, status: res.status, body: await res.json() }).toEqual({ url, status: 405, body: jsonError('method_not_allowed') });
    }
  });
});

describe('a presigned POST policy (HTML form upload)', () => {
  const postForm = (post: SingleUpload['post'], file: Buffer) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(file)], { type: 'video/mp4' }), 'clip.mp4'); // the file comes last
    return fetch(post.url, { method: 'POST', body: form });
  };

  it('stores the file sent with the returned fields', async () => {
    const { videoId, upload } = await newUpload();
    expect(upload.post.url).toBe(`${ORIGIN}/${BUCKET}`);
    expect(upload.post.fields).toMatchObject({ key: videoKeys.source(videoId), 'Content-Type': 'video/mp4' });
    const res = await postForm(upload.post, BODY);
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(await objectSha256(videoKeys.source(videoId))).toBe(sha256(BODY));
  });

  it('with more bytes than declared is refused by MinIO (400 upload_invalid, JSON) and stores nothing', async () => {
    const { videoId, upload } = await newUpload(1_000);
    const res = await postForm(upload.post, randomBytes(1_001));
    expect({ status: res.status, error: errorOf(await res.text()) }).toEqual({ status: 400, error: 'upload_invalid' });
    expect(storageHeaders(res.headers)).toEqual([]);
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('stops working once the transcoder has the upload: the form sent again cannot replace the source', async () => {
    const { videoId, upload } = await newUpload();
    expect((await putPresigned(upload.put.url, BODY, 'video/mp4')).status).toBe(200);
    // MinIO announces the source; the transcoder revokes the upload's session, then takes the job.
    await waitForVideo(videoId, uploader, (v) => v.status !== 'uploading', { timeoutMs: 30_000 });
    const res = await postForm(upload.post, randomBytes(BODY.length));
    expect({ status: res.status, error: errorOf(await res.text()) }).toEqual({ status: 403, error: 'upload_refused' });
    expect(await objectSha256(videoKeys.source(videoId))).toBe(sha256(BODY));
  });

  it('accepts only a multipart/form-data form without a query string, refused by nginx before MinIO', async () => {
    const { videoId, upload } = await newUpload();
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.post.fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(BODY)], { type: 'video/mp4' }), 'clip.mp4');
    const withQuery = await fetch(`${upload.post.url}?delete=`, { method: 'POST', body: form });
    expect({ status: withQuery.status, body: await withQuery.json() }).toEqual({ status: 403, body: jsonError('query_not_allowed') });
    for (const [type, body] of [['application/xml', '<Delete><Object><Key>x</Key></Object></Delete>'], ['application/x-www-form-urlencoded', 'key=x'], ['text/plain', 'x']] as const) {
      const res = await fetch(upload.post.url, { method: 'POST', headers: { 'Content-Type': type }, body });
      expect({ type, status: res.status, body: await res.json() }).toEqual({ type, status: 415, body: jsonError('unsupported_media_type') });
    }
    const bare = await fetch(upload.post.url, { method: 'POST' });
    expect(bare.status).toBe(415);
    expect(await sourceExists(videoId)).toBe(false);
  });
});

describe('POST /v1/uploads validates its input', () => {
  const valid = { fileName: 'clip.mp4', size: 1_000, contentType: 'video/mp4' };

  it('refuses a content type that is not a video (415)', async () => {
    const res = await api('/v1/uploads', { method: 'POST', token: uploader, body: { ...valid, fileName: 'notes.txt', contentType: 'text/plain' } });
    expect(res).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
  });

  it('refuses a size above VIDGATE_UPLOAD_MAX_BYTES (413)', async () => {
    const res = await api('/v1/uploads', { method: 'POST', token: uploader, body: { ...valid, size: testConfig.uploads.maxBytes + 1 } });
    expect(res).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
  });

  it('refuses a body with missing fields (400 invalid_body)', async () => {
    for (const missing of ['fileName', 'size', 'contentType'] as const) {
      const { [missing]: _, ...body } = valid;
      const res = await api('/v1/uploads', { method: 'POST', token: uploader, body });
      expect({ missing, ...res }).toMatchObject({ missing, status: 400, body: { error: 'invalid_body' } });
      expect(res.body.message).toContain(missing);
    }
  });

  it('refuses a caller without a token (401)', async () => {
    const res = await api('/v1/uploads', { method: 'POST', body: valid });
    expect(res).toMatchObject({ status: 401, body: { error: 'token_missing' } });
  });
});

describe('the auth service during an upload', () => {
  it('receives none of the file: under 10 KB in while 5 MB go to MinIO', async () => {
    const file = randomBytes(5 * 1024 * 1024);
    const { videoId, upload } = await newUpload(file.length);
    const inbound = (labels: Record<string, string>) => labels.direction === 'in' && labels.route !== '/metrics';
    const before = sum(await scrapeAuth(), 'vidgate_backend_bytes_total', inbound);
    expect(before, 'the counter is live: POST /v1/uploads was counted').toBeGreaterThan(0);

    const res = await putPresigned(upload.put.url, file, 'video/mp4');
    expect(res.status).toBe(200);

    const after = sum(await scrapeAuth(), 'vidgate_backend_bytes_total', inbound);
    expect(after - before).toBeLessThan(10 * 1024);
    expect(await objectSha256(videoKeys.source(videoId))).toBe(sha256(file));
  });
});

describe('CORS for browser uploads (VIDGATE_CORS_ORIGINS)', () => {
  it('answers a preflight for an allowed origin and exposes the ETag on the PUT', async () => {
    const { upload } = await newUpload();
    const origin = 'http://app.example.test';
    const preflight = await fetch(upload.put.url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,if-none-match' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/If-None-Match/);
    const put = await fetch(upload.put.url, { method: 'PUT', body: BODY, headers: { Origin: origin, 'Content-Type': 'video/mp4', 'If-None-Match': '*' } });
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe(origin);
    expect(put.headers.get('access-control-expose-headers')).toContain('ETag');
    // A refusal is readable by the page too.
    const again = await fetch(upload.put.url, { method: 'PUT', body: BODY, headers: { Origin: origin, 'Content-Type': 'video/mp4', 'If-None-Match': '*' } });
    expect({ status: again.status, cors: again.headers.get('access-control-allow-origin'), body: await again.json() }).toMatchObject({ status: 412, cors: origin, body: { error: 'source_exists' } });
  });

  it('grants nothing to an origin that is not listed', async () => {
    const { upload } = await newUpload();
    const preflight = await fetch(upload.put.url, { method: 'OPTIONS', headers: { Origin: 'http://evil.example.test', 'Access-Control-Request-Method': 'PUT' } });
    expect(preflight.headers.get('access-control-allow-origin') ?? '').toBe('');
  });
});
