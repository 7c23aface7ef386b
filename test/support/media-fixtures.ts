import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { Client } from 'minio';
import { expect } from 'vitest';
import { minioClient } from '@vidgate/common/minio-store';
import { nowSeconds } from '@vidgate/common/url-signer';
import type { RawResponse } from './raw-http.ts';
import { testConfig } from './test-stack.ts';

/** Fixtures go straight into MinIO as root, the way an operator or the transcoder would put them. */
export const BUCKET = testConfig.minio.bucket;
export const rootClient = minioClient(testConfig.minio, testConfig.minio.root);

export async function putObject(key: string, body: Buffer, contentType = 'application/octet-stream'): Promise<void> {
  await rootClient.putObject(BUCKET, key, body, body.length, { 'Content-Type': contentType });
}

export async function getObject(key: string, client = rootClient): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await client.getObject(BUCKET, key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Unix seconds from now. */
export const inSeconds = (s: number): number => nowSeconds() + s;

/** One of our JSON errors, as every service and nginx render them: a code and a message. */
export const jsonError = (error: string) => ({ error, message: expect.any(String) as unknown });

/** Asserts the response is one of our JSON errors. */
export function expectJsonError(res: RawResponse, status: number, error: string): void {
  expect({ status: res.status, body: parseJson(res.body) }).toEqual({ status, body: jsonError(error) });
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return { notJson: body.toString('utf8').slice(0, 200) };
  }
}

export function contentType(res: RawResponse): string {
  return String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
}

/**
 * Sends one request over a bare socket and returns the status line, header
 * block and every byte that followed it: the http client would hide a body
 * wrongly sent after a HEAD response.
 */
export function rawExchange(origin: string, requestHead: string): Promise<{ head: string; rest: Buffer }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no complete response head: ${all.toString('latin1').slice(0, 200)}`));
      resolve({ head: all.subarray(0, split).toString('latin1'), rest: all.subarray(split + 4) });
    });
    socket.write(requestHead); // no half-close: nginx would take it for a client abort (499)
  });
}

/** The same URL with one signature character changed (still well-formed). */
export function tamperSignature(target: string, param = 'sig'): string {
  return target.replace(new RegExp(`([?&]${param}=)(.)`), (_, prefix: string, c: string) => prefix + (c === 'A' ? 'B' : 'A'));
}

/** What MinIO made of a call: "allowed", or the S3 error code it refused with. */
export async function s3Outcome(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return 'allowed';
  } catch (err) {
    return String((err as { code?: string }).code ?? (err as Error).message);
  }
}

/** Every key under a prefix, as the given client may list them. */
export function listKeys(client: Client, bucket: string, prefix: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const names: string[] = [];
    client.listObjectsV2(bucket, prefix, true).on('data', (o: { name?: string }) => names.push(o.name ?? '')).on('error', reject).on('end', () => resolve(names));
  });
}
