/**
 * Upload throughput of a large file: through the origin (POST /v1/uploads →
 * presigned multipart parts → nginx → MinIO) against the same multipart upload
 * straight to MinIO, one stack, one run, same part size and concurrency.
 *
 *   node --import tsx bench/uploads.ts      (BENCH_UPLOAD_MB=256, BENCH_PART_CONCURRENCY=4)
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '../services/auth/src/jwt.ts';
import { presignPut } from '../services/auth/src/uploads/presign-put.ts';
import { assumeUploadSession } from '../services/common/src/upload-sessions.ts';
import { minioClient } from '../services/common/src/minio-store.ts';
import { startBenchStack } from './support/bench-stack.ts';
import { table } from './support/wrk.ts';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_UPLOAD_MB ?? 256) * MB;
const CONCURRENCY = Number(process.env.BENCH_PART_CONCURRENCY ?? 4);

async function writeRandomFile(path: string, size: number) {
  const file = await open(path, 'w');
  for (let written = 0; written < size; written += 8 * MB) await file.write(randomBytes(Math.min(8 * MB, size - written)));
  await file.close();
}

/** PUTs every part (file slices streamed from disk), CONCURRENCY at a time; returns ETags. */
async function putParts(file: string, partSize: number, urlFor: (n: number, length: number) => Promise<string>, label: string) {
  const count = Math.ceil(SIZE / partSize);
  const etags: { partNumber: number; etag: string }[] = [];
  let next = 1;
  let sent = 0;
  const worker = async () => {
    for (let n = next++; n <= count; n = next++) {
      const start = (n - 1) * partSize;
      const length = Math.min(partSize, SIZE - start);
      const res = await fetch(await urlFor(n, length), {
        method: 'PUT', body: createReadStream(file, { start, end: start + length - 1 }) as never, duplex: 'half', headers: { 'Content-Length': String(length) },
      } as RequestInit);
      if (!res.ok) throw new Error(`${label} part ${n}: HTTP ${res.status} ${await res.text()}`);
      etags.push({ partNumber: n, etag: res.headers.get('etag')!.replace(/"/g, '') });
      sent += length;
      process.stdout.write(`\r  ${label}: ${(sent / MB).toFixed(0)} of ${(SIZE / MB).toFixed(0)} MB`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  process.stdout.write('\n');
  return etags.sort((a, b) => a.partNumber - b.partNumber);
}

const work = await mkdtemp(join(tmpdir(), 'vidgate-bench-upload-'));
const stack = await startBenchStack();
try {
  const { config } = stack;
  const file = join(work, 'upload.bin');
  console.log(`writing a ${SIZE / MB} MB random file`);
  await writeRandomFile(file, SIZE);

  // (a) through the origin, exactly as a client of the API does.
  const token = issueToken(config.jwt, { sub: 'uploader', role: 'user', premium: false });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(stack.originUrl + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
  let started = performance.now();
  const created = (await (await api('/v1/uploads', { method: 'POST', body: JSON.stringify({ fileName: 'bench.mp4', size: SIZE, contentType: 'video/mp4' }) })).json()) as {
    videoId: string; upload: { partSize: number; partCount: number; parts: { partNumber: number; url: string }[] };
  };
  const { videoId, upload } = created;
  const urls = new Map(upload.parts.map((p) => [p.partNumber, p.url]));
  await putParts(file, upload.partSize, async (n) => {
    if (!urls.has(n)) {
      const more = (await (await api(`/v1/uploads/${videoId}/parts?from=${n}&count=100`)).json()) as { parts: { partNumber: number; url: string }[] };
      for (const p of more.parts) urls.set(p.partNumber, p.url);
    }
    return urls.get(n)!;
  }, 'through nginx');
  const done = await api(`/v1/uploads/${videoId}/complete`, { method: 'POST', body: '{}' });
  if (!done.ok) throw new Error(`complete: HTTP ${done.status} ${await done.text()}`);
  const viaOrigin = (performance.now() - started) / 1000;

  // (b) the same multipart upload presigned for MinIO's own address.
  const client = minioClient(config.minio, config.minio.auth);
  // The auth service's own presigner and one-upload session, made for MinIO's address instead of the origin's.
  const key = 'uploads/bench-direct/source';
  const session = await assumeUploadSession(config.minio, config.minio.auth, { videoId: 'bench-direct', objectKey: key }, 3600);
  const direct = (options: Parameters<typeof presignPut>[4]) => presignPut(new URL(config.minio.endpoint), config.minio, session, key, options);
  started = performance.now();
  const uploadId = await client.initiateNewMultipartUpload(config.minio.bucket, key, { 'Content-Type': 'video/mp4' });
  const parts = await putParts(file, upload.partSize, (n, length) => direct({ ttlSeconds: 3600, contentLength: length, query: { partNumber: String(n), uploadId } }), 'straight to MinIO');
  await client.completeMultipartUpload(config.minio.bucket, key, uploadId, parts.map((p) => ({ part: p.partNumber, etag: p.etag })));
  const straight = (performance.now() - started) / 1000;

  console.log(`\nUpload of ${SIZE / MB} MB, ${upload.partCount} parts of ${upload.partSize / MB} MiB, ${CONCURRENCY} at a time:\n`);
  console.log(table([
    { path: 'client → nginx → MinIO (presigned, via the API)', seconds: viaOrigin.toFixed(2), 'MB/s': (SIZE / MB / viaOrigin).toFixed(0) },
    { path: 'client → MinIO (presigned)', seconds: straight.toFixed(2), 'MB/s': (SIZE / MB / straight).toFixed(0) },
  ]));
  console.log(`\nthrough nginx ÷ straight: ${(straight / viaOrigin).toFixed(2)} (1.00 = no cost)`);
} finally {
  await stack.stop();
  await rm(work, { recursive: true, force: true });
}
