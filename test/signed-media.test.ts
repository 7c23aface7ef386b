import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUrlSigner } from '@vidgate/common/url-signer';
import { BUCKET, contentType, expectJsonError, inSeconds, jsonError, parseJson, putObject, rawExchange, rootClient, sha256, tamperSignature } from './support/media-fixtures.ts';
import { rawRequest, type RawResponse } from './support/raw-http.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';
import { tokenFor } from './support/videos.ts';

// A player's view of /media/: a signed URL streams exactly the stored bytes,
// with the headers players and caches rely on, and nothing of the storage behind it.
const signer = createUrlSigner(testConfig.signing);
const KEY = 'it-media/clip.mp4';
const SIZE = 5 * 1024 * 1024;
const body = randomBytes(SIZE);
const signed = (key: string, exp = inSeconds(600)) => signer.signPath(`/media/${key}`, exp);
const get = (target: string, headers: Record<string, string> = {}) => rawRequest(ORIGIN, target, { headers });

let stored: { etag: string; lastModified: Date };

function expectNoStorageLeak(res: RawResponse) {
  const names = Object.keys(res.headers);
  expect(names.filter((n) => /^x-(amz|minio)-/i.test(n))).toEqual([]);
  expect(JSON.stringify(res.headers)).not.toContain(BUCKET);
  expect(String(res.headers.server ?? '')).not.toMatch(/minio/i);
}

beforeAll(async () => {
  await putObject(KEY, body, 'video/mp4');
  const stat = await rootClient.statObject(BUCKET, KEY);
  stored = { etag: stat.etag, lastModified: stat.lastModified };
});

describe('a signed GET of a 5 MiB object', () => {
  let res: RawResponse;
  beforeAll(async () => {
    res = await get(signed(KEY));
  });

  it('returns 200 and exactly the stored bytes', () => {
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(SIZE));
    expect(res.body.length).toBe(SIZE);
    expect(sha256(res.body)).toBe(sha256(body));
  });

  it('passes through Content-Type, ETag, Last-Modified and Accept-Ranges', () => {
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers.etag).toBe(`"${stored.etag}"`);
    expect(new Date(String(res.headers['last-modified'])).getTime()).toBe(Math.floor(stored.lastModified.getTime() / 1000) * 1000);
    expect(res.headers['accept-ranges']).toBe('bytes');
  });

  it('sends no S3 or MinIO headers and never the bucket name', () => {
    expectNoStorageLeak(res);
  });
});

describe('Range requests', () => {
  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=100-100099', 100, 100_099],
    ['bytes=-500', SIZE - 500, SIZE - 1],
    ['bytes=5000000-', 5_000_000, SIZE - 1],
  ])('%s returns 206 with that exact slice', async (range, first, last) => {
    const res = await get(signed(KEY), { Range: range });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${first}-${last}/${SIZE}`);
    expect(res.headers['content-length']).toBe(String(last - first + 1));
    expect(res.body.equals(body.subarray(first, last + 1))).toBe(true);
    expectNoStorageLeak(res);
  });

  it('an unsatisfiable range answers 416 with a JSON error', async () => {
    const res = await get(signed(KEY), { Range: `bytes=${SIZE + 1000}-` });
    expectJsonError(res, 416, 'range_not_satisfiable');
    expect(res.body.toString()).not.toContain(BUCKET);
    expectNoStorageLeak(res);
  });

  it('If-Range with the current ETag answers the slice', async () => {
    const res = await get(signed(KEY), { Range: 'bytes=0-99', 'If-Range': `"${stored.etag}"` });
    expect(res.status).toBe(206);
    expect(res.body.equals(body.subarray(0, 100))).toBe(true);
  });

  // RFC 9110 13.1.5: a validator that does not match means "send it all"; a
  // resumed download must never splice two versions of an object.
  it('If-Range with a stale validator answers the whole object', async () => {
    const res = await get(signed(KEY), { Range: 'bytes=0-99', 'If-Range': '"0123456789abcdef0123456789abcdef"' });
    expect(res.status).toBe(200);
    expect(sha256(res.body)).toBe(sha256(body));
  });
});

describe('HEAD and conditional requests', () => {
  it('HEAD answers 200 with the length and sends no body', async () => {
    const { head, rest } = await rawExchange(ORIGIN, `HEAD ${signed(KEY)} HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n`);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(head).toMatch(new RegExp(`^Content-Length: ${SIZE}$`, 'mi'));
    expect(head).toMatch(new RegExp(`^ETag: "${stored.etag}"$`, 'mi'));
    expect(head).not.toMatch(/^x-(amz|minio)-/im);
    expect(rest.length).toBe(0);
  });

  it('If-None-Match with the current ETag answers 304 without a body', async () => {
    const res = await get(signed(KEY), { 'If-None-Match': `"${stored.etag}"` });
    expect(res.status).toBe(304);
    expect(res.body.length).toBe(0);
    expectNoStorageLeak(res);
  });

  it('If-Match with another ETag answers 412 as JSON, never MinIO\'s XML', async () => {
    const res = await get(signed(KEY), { 'If-Match': '"0123456789abcdef0123456789abcdef"' });
    expect(res.status).toBe(412);
    expect(parseJson(res.body)).toEqual(jsonError('precondition_failed'));
    expect(res.body.toString()).not.toContain(BUCKET);
    expectNoStorageLeak(res);
  });

  it('If-None-Match with another ETag answers 200 and the object', async () => {
    const res = await get(signed(KEY), { 'If-None-Match': '"0123456789abcdef0123456789abcdef"' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(SIZE);
  });
});

describe('error responses', () => {
  it('a signed URL for a missing key answers 404 not_found', async () => {
    const res = await get(signed('it-media/missing.mp4'));
    expectJsonError(res, 404, 'not_found');
    expect(res.body.toString()).not.toContain(BUCKET);
    expectNoStorageLeak(res);
  });

  it('HEAD of a missing key answers 404 without a body', async () => {
    const { head, rest } = await rawExchange(ORIGIN, `HEAD ${signed('it-media/missing.mp4')} HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n`);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(rest.length).toBe(0);
  });

  // Players and CDNs go by Content-Type: a JSON error labelled video/mp4 is
  // handed to the demuxer. nginx's own error pages must say application/json
  // whatever the requested file's extension.
  it('every error is a JSON body with an error field, served as application/json', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['missing object (.mp4)', signed('it-media/missing.mp4'), {}],
      ['missing object (.m3u8)', signed('it-media/missing.m3u8'), {}],
      ['missing object (no extension)', signed('it-media/missing'), {}],
      ['unsatisfiable range', signed(KEY), { Range: `bytes=${SIZE}-` }],
      ['bad signature', tamperSignature(signed(KEY)), {}],
      ['expired', signed(KEY, inSeconds(-60)), {}],
      ['no signature', `/media/${KEY}`, {}],
    ];
    const seen = [];
    for (const [name, target, headers] of cases) {
      const res = await get(target, headers);
      const json = parseJson(res.body) as { error?: unknown };
      seen.push({ name, status: res.status, contentType: contentType(res), hasError: typeof json.error === 'string' });
    }
    expect(seen.filter((s) => s.status < 400)).toEqual([]);
    expect(seen.filter((s) => s.contentType !== 'application/json' || !s.hasError)).toEqual([]);
  });
});

describe('POST /v1/sign through the origin', () => {
  it('mints, for an admin, a URL that nginx serves; a user gets 403', async () => {
    const sign = (role: 'admin' | 'user') =>
      fetch(`${ORIGIN}/v1/sign`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokenFor('operator', { role })}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ objectKey: KEY, ttl: 60 }),
      });
    const minted = await sign('admin');
    expect(minted.status).toBe(201);
    const { url } = (await minted.json()) as { url: string };
    const res = await get(url.slice(ORIGIN.length));
    expect(res.status).toBe(200);
    expect(sha256(res.body)).toBe(sha256(body));
    const refused = await sign('user');
    expect({ status: refused.status, body: await refused.json() }).toMatchObject({ status: 403, body: { error: 'forbidden' } });
  });
});
