import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { BUCKET, rootClient } from './media-fixtures.ts';
import { ORIGIN } from './test-stack.ts';

const run = promisify(execFile);

export interface SingleUpload {
  kind: 'single';
  put: { method: 'PUT'; url: string; headers: Record<string, string> };
  post: { method: 'POST'; url: string; fields: Record<string, string> };
}

export interface MultipartUpload {
  kind: 'multipart';
  partSize: number;
  partCount: number;
  parts: { partNumber: number; url: string }[];
  morePartsUrl: string;
  uploadedPartsUrl: string;
  completeUrl: string;
  abortUrl: string;
}

export interface CreatedUpload<U = SingleUpload | MultipartUpload> {
  videoId: string;
  status: 'uploading';
  statusUrl: string;
  expiresAt: string;
  upload: U;
}

export interface UploadRequest {
  fileName: string;
  size: number;
  contentType: string;
  title?: string;
  visibility?: 'public' | 'private' | 'premium';
}

/** A JSON request to the API through nginx; `token` undefined sends no Authorization header. */
export async function api(path: string, options: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(new URL(path, ORIGIN), {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text, a failing assertion will show it
  }
  return { status: res.status, body };
}

/** POST /v1/uploads, expecting 201. */
export async function createUpload<U extends SingleUpload | MultipartUpload = SingleUpload>(token: string, request: UploadRequest): Promise<CreatedUpload<U>> {
  const res = await api('/v1/uploads', { method: 'POST', token, body: request });
  expect(res, 'POST /v1/uploads').toMatchObject({ status: 201, body: { status: 'uploading' } });
  return res.body as CreatedUpload<U>;
}

/** A presigned PUT of the whole file, as a browser or a script would send it: with the headers POST /v1/uploads listed. */
export async function putPresigned(url: string, body: Buffer, contentType: string, headers: Record<string, string> = { 'If-None-Match': '*' }): Promise<{ status: number; etag: string | null; text: string; headers: Headers }> {
  const res = await fetch(url, { method: 'PUT', headers: { 'Content-Type': contentType, ...headers }, body: new Uint8Array(body) });
  return { status: res.status, etag: res.headers.get('etag'), text: await res.text(), headers: res.headers };
}

/** The JSON error body nginx answers with, or the text when it is not JSON. */
export function errorOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { error?: unknown }).error;
  } catch {
    return text;
  }
}

/** Headers of MinIO's that must never reach a client. */
export const storageHeaders = (headers: Headers) => [...headers.keys()].filter((name) => /^x-(amz|minio)-/i.test(name) || (name === 'server' && /minio/i.test(headers.get(name)!)));

/** A part URL used with a body of `size` bytes: its status and our error code. */
export async function putPart(url: string, size: number): Promise<{ status: number; error: unknown }> {
  const res = await fetch(url, { method: 'PUT', body: new Uint8Array(size) });
  return { status: res.status, error: errorOf(await res.text()) };
}

/** The S3 error code of an XML error body ("SignatureDoesNotMatch", …), or undefined. */
export function s3ErrorCode(text: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
}

/** sha256 of a stored object, streamed (the object may be larger than we want in memory). */
export async function objectSha256(key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await rootClient.getObject(BUCKET, key)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `size` random bytes in 1 MiB chunks and returns their sha256. */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < size; ) {
    const chunk = randomBytes(Math.min(1024 * 1024, size - written));
    hash.update(chunk);
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

/** Copies bytes [start, start + length) of one file into another. */
export async function copyRange(from: string, to: string, start: number, length: number): Promise<void> {
  await pipeline(createReadStream(from, { start, end: start + length - 1 }), createWriteStream(to));
}

/**
 * `curl -sS -f -X PUT --upload-file <file> <url> -D -`: how a shell script
 * uploads a part. Returns the ETag of the last response head (after any
 * "100 Continue"); throws with curl's stderr when the status is ≥ 400.
 */
export async function curlPut(file: string, url: string): Promise<{ etag: string }> {
  const { stdout } = await run('curl', ['-sS', '-f', '-X', 'PUT', '--upload-file', file, url, '-D', '-'], { timeout: 120_000 });
  const heads = stdout.split(/\r?\n\r?\n/).filter((h) => h.startsWith('HTTP/'));
  const last = heads[heads.length - 1] ?? '';
  const etag = /^etag:\s*(.+?)\s*$/im.exec(last)?.[1];
  if (!etag) throw new Error(`curl got no ETag: ${last}`);
  return { etag: etag.replace(/"/g, '') };
}

/** The multipart uploads MinIO still holds for a key (root's view). */
export async function incompleteUploads(key: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of rootClient.listIncompleteUploads(BUCKET, key, true)) if (item.key === key) ids.push(item.uploadId);
  return ids;
}
