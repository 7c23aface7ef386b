import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { minioClient } from '@vidgate/common/minio-store';
import { videoKeys } from '@vidgate/common/video';
import { BUCKET, rootClient, sha256 } from './support/media-fixtures.ts';
import { scrapeAuth, sum } from './support/prometheus.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';
import { api, createUpload, objectSha256, putPresigned, s3ErrorCode, type SingleUpload } from './support/uploads.ts';
import { tokenFor } from './support/videos.ts';

// Direct uploads as a client sees them: the auth service hands out presigned
// URLs for the public origin, nginx streams the bytes to MinIO, and MinIO
// enforces signature, expiry, Content-Type and size. Every refusal must leave
// no object behind.
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
    expect(upload.put.headers).toEqual({ 'Content-Type': 'video/mp4' });

    const res = await putPresigned(upload.put.url, BODY, 'video/mp4');
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '' });
    expect(res.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await objectSha256(videoKeys.source(videoId))).toBe(sha256(BODY));
    const stat = await rootClient.statObject(BUCKET, videoKeys.source(videoId));
    expect({ size: stat.size, contentType: stat.metaData['content-type'] }).toEqual({ size: BODY.length, contentType: 'video/mp4' });
  });

  it('with another Content-Type is refused by MinIO (403) and stores nothing', async () => {
    const { videoId, upload } = await newUpload();
    const res = await putPresigned(upload.put.url, BODY, 'video/webm');
    expect({ status: res.status, code: s3ErrorCode(res.text) }).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('with more or fewer bytes than declared is refused by MinIO (403) and stores nothing', async () => {
    const { videoId, upload } = await newUpload();
    for (const body of [Buffer.concat([BODY, BODY]), BODY.subarray(1)]) {
      const res = await putPresigned(upload.put.url, body, 'video/mp4');
      expect({ status: res.status, code: s3ErrorCode(res.text) }).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    }
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('cannot be turned into a server-side copy of another object (x-amz-copy-source is dropped)', async () => {
    const { videoId, upload } = await newUpload();
    const res = await fetch(upload.put.url, {
      method: 'PUT',
      body: BODY,
      headers: { 'Content-Type': 'video/mp4', 'x-amz-copy-source': `/${BUCKET}/videos/demo/hls/master.m3u8`, 'x-amz-meta-owner': 'mallory' },
    });
    expect(res.status).toBe(200);
    // What is stored is the body sent, not the demo's playlist; no metadata came along.
    expect(await objectSha256(videoKeys.source(videoId))).toBe(sha256(BODY));
    const stat = await rootClient.statObject(BUCKET, videoKeys.source(videoId));
    expect(stat.metaData).not.toHaveProperty('owner');
  });

  it('with a tampered signature is refused (403 SignatureDoesNotMatch)', async () => {
    const { videoId, upload } = await newUpload();
    const tampered = upload.put.url.replace(/(X-Amz-Signature=)(.)/, (_, p: string, c: string) => p + (c === 'a' ? 'b' : 'a'));
    expect(tampered).not.toBe(upload.put.url);
    const res = await putPresigned(tampered, BODY, 'video/mp4');
    expect({ status: res.status, code: s3ErrorCode(res.text) }).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('after its expiry is refused (403 AccessDenied, "expired")', async () => {
    const { videoId } = await newUpload();
    // Signed the way the auth service signs, but for one second only.
    const publicClient = minioClient({ ...testConfig.minio, endpoint: ORIGIN }, testConfig.minio.auth);
    const url = await publicClient.presignedUrl('PUT', BUCKET, videoKeys.source(videoId), 1);
    const expiresAt = signedAt(url) + 1_000;
    // Waiting for a clock, not for a service: X-Amz-Date has whole seconds.
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt + 1_000 - Date.now())));
    const res = await putPresigned(url, BODY, 'video/mp4');
    expect({ status: res.status, code: s3ErrorCode(res.text) }).toEqual({ status: 403, code: 'AccessDenied' });
    expect(res.text).toMatch(/expired/i);
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('without any signature is refused by nginx (403 signature_missing) before MinIO', async () => {
    const { videoId, upload } = await newUpload();
    const res = await putPresigned(upload.put.url.split('?')[0]!, BODY, 'video/mp4');
    expect({ status: res.status, body: JSON.parse(res.text) }).toEqual({ status: 403, body: { error: 'signature_missing' } });
    expect(await sourceExists(videoId)).toBe(false);
  });

  it('the upload path answers GET with 405, signed or not', async () => {
    const { upload } = await newUpload();
    for (const url of [upload.put.url, upload.put.url.split('?')[0]!]) {
      const res = await fetch(url);
      expect({ url, status: res.status, body: await res.json() }).toEqual({ url, status: 405, body: { error: 'method_not_allowed' } });
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

  it('with more bytes than declared is refused by MinIO (EntityTooLarge) and stores nothing', async () => {
    const { videoId, upload } = await newUpload(1_000);
    const res = await postForm(upload.post, randomBytes(1_001));
    const text = await res.text();
    expect([400, 403]).toContain(res.status);
    expect(s3ErrorCode(text)).toBe('EntityTooLarge');
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
    const preflight = await fetch(upload.put.url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    const put = await fetch(upload.put.url, { method: 'PUT', body: BODY, headers: { Origin: origin, 'Content-Type': 'video/mp4' } });
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe(origin);
    expect(put.headers.get('access-control-expose-headers')).toContain('ETag');
  });

  it('grants nothing to an origin that is not listed', async () => {
    const { upload } = await newUpload();
    const preflight = await fetch(upload.put.url, { method: 'OPTIONS', headers: { Origin: 'http://evil.example.test', 'Access-Control-Request-Method': 'PUT' } });
    expect(preflight.headers.get('access-control-allow-origin') ?? '').toBe('');
  });
});
