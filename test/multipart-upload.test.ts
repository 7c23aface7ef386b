import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoKeys } from '@vidgate/common/video';
import { testConfig } from './support/test-stack.ts';
import { api, copyRange, createUpload, curlPut, incompleteUploads, objectSha256, putPart, writeRandomFile, type MultipartUpload } from './support/uploads.ts';
import { tokenFor } from './support/videos.ts';

// A large upload the way a shell script would do it: curl, one presigned part
// at a time, interrupted and resumed. The file never passes through Node's
// HTTP client and never through the auth service.
const MiB = 1024 * 1024;
const SIZE = 110 * MiB; // above the 64 MiB threshold: 7 parts of 16 MiB, the last 14 MiB
const SKIPPED = 4;
const owner = tokenFor('multipart-tester');

let work: string;
let file: string;
let fileSha: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-multipart-'));
  file = join(work, 'big.mp4');
  fileSha = await writeRandomFile(file, SIZE);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Cuts part N out of the file and uploads it with curl; returns its ETag. */
async function uploadPart(upload: { partSize: number }, partNumber: number, url: string): Promise<string> {
  const start = (partNumber - 1) * upload.partSize;
  const length = Math.min(upload.partSize, SIZE - start);
  const partFile = join(work, `part-${partNumber}`);
  await copyRange(file, partFile, start, length);
  const started = Date.now();
  try {
    const { etag } = await curlPut(partFile, url);
    console.log(`[multipart] part ${partNumber}: ${(length / MiB).toFixed(1)} MiB in ${Date.now() - started} ms`);
    return etag;
  } finally {
    await rm(partFile, { force: true });
  }
}

describe('a 110 MiB multipart upload with curl', () => {
  it('is refused while a part is missing, resumes from the uploaded-parts list, and completes byte for byte', async () => {
    const { videoId, upload } = await createUpload<MultipartUpload>(owner, { fileName: 'big.mp4', size: SIZE, contentType: 'video/mp4' });
    expect(upload).toMatchObject({ kind: 'multipart', partSize: testConfig.uploads.partSize, partCount: 7 });
    expect(upload.parts.map((p) => p.partNumber)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    // First session: every part but one, then the client "crashes".
    const etags = new Map<number, string>();
    for (const part of upload.parts.filter((p) => p.partNumber !== SKIPPED)) {
      etags.set(part.partNumber, await uploadPart(upload, part.partNumber, part.url));
    }
    const early = await api(upload.completeUrl, { method: 'POST', token: owner });
    expect(early).toMatchObject({ status: 409, body: { error: 'conflict', missing: [SKIPPED] } });

    // Second session: ask what is there, upload only what is not, with a fresh URL.
    const listed = await api(upload.uploadedPartsUrl, { token: owner });
    expect(listed.status).toBe(200);
    const uploaded = listed.body.parts as { partNumber: number; etag: string; size: number }[];
    expect(uploaded.map((p) => [p.partNumber, p.etag.replace(/"/g, '')])).toEqual([...etags].sort(([a], [b]) => a - b));
    const missing = upload.parts.map((p) => p.partNumber).filter((n) => !uploaded.some((p) => p.partNumber === n));
    expect(missing).toEqual([SKIPPED]);
    for (const n of missing) {
      const fresh = await api(`/v1/uploads/${videoId}/parts?from=${n}&count=1`, { token: owner });
      expect(fresh.body.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual([n]);
      etags.set(n, await uploadPart(upload, n, fresh.body.parts[0].url));
    }

    const parts = [...etags].map(([partNumber, etag]) => ({ partNumber, etag }));
    const done = await api(upload.completeUrl, { method: 'POST', token: owner, body: { parts } });
    expect(done).toMatchObject({ status: 200, body: { videoId, statusUrl: `/v1/videos/${videoId}` } });
    expect(await objectSha256(videoKeys.source(videoId))).toBe(fileSha);

    // Completed: its part URLs are revoked, and completing again cannot replace the source.
    expect(await putPart(upload.parts[0]!.url, upload.partSize)).toEqual({ status: 403, error: 'upload_refused' });
    const again = await api(upload.completeUrl, { method: 'POST', token: owner, body: { parts } });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(await objectSha256(videoKeys.source(videoId))).toBe(fileSha);
  });

  it('hands out more part URLs on request (GET …/parts?from=2&count=2)', async () => {
    const { videoId, upload } = await createUpload<MultipartUpload>(owner, { fileName: 'big.mp4', size: SIZE, contentType: 'video/mp4' });
    const res = await api(`/v1/uploads/${videoId}/parts?from=2&count=2`, { token: owner });
    expect(res).toMatchObject({ status: 200, body: { partSize: upload.partSize, partCount: 7 } });
    const parts = res.body.parts as { partNumber: number; url: string }[];
    expect(parts.map((p) => p.partNumber)).toEqual([2, 3]);
    const uploadId = new URL(upload.parts[0]!.url).searchParams.get('uploadId');
    for (const p of parts) {
      const q = new URL(p.url).searchParams;
      expect({ partNumber: q.get('partNumber'), uploadId: q.get('uploadId'), signed: q.has('X-Amz-Signature') }).toEqual({ partNumber: String(p.partNumber), uploadId, signed: true });
    }
    await api(upload.abortUrl, { method: 'DELETE', token: owner });
  });

  it('aborted, leaves no parts behind and takes no more', async () => {
    const { videoId, upload } = await createUpload<MultipartUpload>(owner, { fileName: 'big.mp4', size: SIZE, contentType: 'video/mp4' });
    const key = videoKeys.source(videoId);
    const part = join(work, 'small-part');
    await writeFile(part, randomBytes(upload.partSize)); // part URLs are bound to the exact part size
    await curlPut(part, upload.parts[0]!.url);
    const uploadId = new URL(upload.parts[0]!.url).searchParams.get('uploadId')!;
    expect(await incompleteUploads(key)).toEqual([uploadId]);

    const aborted = await api(upload.abortUrl, { method: 'DELETE', token: owner });
    expect(aborted.status).toBe(204);

    expect(await incompleteUploads(key)).toEqual([]);
    const listed = await api(upload.uploadedPartsUrl, { token: owner });
    expect([404, 409]).toContain(listed.status);
    // Its URLs are revoked with it: refused before MinIO looks for the upload.
    expect(await putPart(upload.parts[1]!.url, upload.partSize)).toEqual({ status: 403, error: 'upload_refused' });
    const status = await api(`/v1/videos/${videoId}`, { token: owner });
    expect(status.body).toMatchObject({ status: 'failed', failureReason: 'upload cancelled' });
  });
});
