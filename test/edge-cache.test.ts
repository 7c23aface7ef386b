import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createUrlSigner } from '@vidgate/common/url-signer';
import { linesSince, logCursor, type AccessLogLine } from './support/access-log.ts';
import { BUCKET, inSeconds, putObject, rootClient, sha256, tamperSignature } from './support/media-fixtures.ts';
import { pollUntil } from './support/poll.ts';
import { rawRequest } from './support/raw-http.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';
import { DEMO_ID, freshId, playback, tokenFor } from './support/videos.ts';

// nginx's validating edge cache: the signature is checked first, then the object
// is looked up by its path, shared by every URL and viewer; MinIO is read once
// per object (per slice of a large one), and a deleted or replaced object stops
// being served within VIDGATE_EDGE_CACHE_FRESH seconds.
const signer = createUrlSigner(testConfig.signing);
const FRESH_MS = testConfig.edgeCache.freshSeconds * 1000;
const SLICE = 1024 * 1024;
const signed = (key: string, exp = inSeconds(600)) => signer.signPath(`/media/${key}`, exp);
const get = (target: string, headers: Record<string, string> = {}) => rawRequest(ORIGIN, target, { headers });

type StorageLine = AccessLogLine & { log: 'storage'; range: string; upstream_bytes: string };

/** The storage lines (reads of MinIO) among the log lines, for one object. */
const storageReads = (lines: AccessLogLine[], key: string) => lines.filter((l): l is StorageLine => l.log === 'storage' && l.path === `/media/${key}`);

/** Waits until the log has `count` client lines after the cursor, and returns every line written by then, storage lines included. */
const logAfter = (cursor: number, clientLines: number) => linesSince(cursor, clientLines, { storage: true, timeoutMs: 5_000 });

describe('the cache key is the validated object path', () => {
  it('serves a second viewer with another signature from the copy the first one filled', async () => {
    const key = `it-cache/${freshId('shared')}.ts`;
    const body = randomBytes(200_000);
    await putObject(key, body, 'video/mp2t');
    const cursor = await logCursor();
    const first = await get(signed(key, inSeconds(600)));
    // nginx logs a request after answering it: its line first, or the second's could come before it.
    const firstLines = await logAfter(cursor, 1);
    const between = await logCursor();
    const second = await get(signed(key, inSeconds(900)));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([sha256(first.body), sha256(second.body)]).toEqual([sha256(body), sha256(body)]);
    const secondLines = await logAfter(between, 1);
    expect([...firstLines, ...secondLines].filter((l) => l.log !== 'storage').map((l) => l.cache)).toEqual(['MISS', 'HIT']);
    expect(storageReads([...firstLines, ...secondLines], key)).toHaveLength(1);
  });

  it('checks the signature before the cache: a tampered URL for a cached object is refused', async () => {
    const key = `it-cache/${freshId('tampered')}.ts`;
    await putObject(key, randomBytes(10_000), 'video/mp2t');
    const before = await logCursor();
    expect((await get(signed(key))).status).toBe(200);
    // nginx logs a request after answering it: wait for that line, or it would be read as the next one's.
    await logAfter(before, 1);
    const cursor = await logCursor();
    const res = await get(tamperSignature(signed(key)));
    expect(res.status).toBe(403);
    expect(res.body.length).toBeLessThan(100);
    const line = (await logAfter(cursor, 1)).find((l) => l.log !== 'storage');
    expect({ reject: line!.reject, cache: line!.cache }).toEqual({ reject: 'signature_invalid', cache: '' });
  });

  it('collapses concurrent misses for one object into one read of MinIO', async () => {
    const key = `it-cache/${freshId('herd')}.ts`;
    const body = randomBytes(500_000);
    await putObject(key, body, 'video/mp2t');
    const cursor = await logCursor();
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => get(signed(key, inSeconds(600 + i)))));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    for (const r of responses) expect(sha256(r.body)).toBe(sha256(body));
    expect(storageReads(await logAfter(cursor, 12), key)).toHaveLength(1);
  });
});

describe('large objects and ranges are cached in slices', () => {
  const key = `it-cache/${freshId('large')}.mp4`;
  const body = randomBytes(5 * SLICE + 12_345);

  it('a small range reads only the slice it falls in, and answers exactly those bytes', async () => {
    await putObject(key, body, 'video/mp4');
    const cursor = await logCursor();
    const res = await get(signed(key), { Range: 'bytes=3000000-3000099' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 3000000-3000099/${body.length}`);
    expect(res.body.equals(body.subarray(3_000_000, 3_000_100))).toBe(true);
    const reads = storageReads(await logAfter(cursor, 1), key);
    expect(reads.map((r) => r.range)).toEqual([`bytes ${2 * SLICE}-${3 * SLICE - 1}/${body.length}`]);
  });

  it('ffmpeg\'s Range: bytes=0- and a plain GET read each remaining slice once, and return the whole object', async () => {
    const cursor = await logCursor();
    const ffmpegLike = await get(signed(key), { Range: 'bytes=0-' });
    const plain = await get(signed(key));
    expect([ffmpegLike.status, plain.status]).toEqual([206, 200]);
    expect(sha256(ffmpegLike.body)).toBe(sha256(body));
    expect(sha256(plain.body)).toBe(sha256(body));
    const reads = storageReads(await logAfter(cursor, 2), key).map((r) => r.range).sort();
    // Six slices in all; the third was read by the test before.
    expect(reads).toHaveLength(5);
    expect(reads).not.toContain(`bytes ${2 * SLICE}-${3 * SLICE - 1}/${body.length}`);
  });
});

describe('deletion still means deletion', () => {
  const bound = FRESH_MS + 5_000;

  it(`a deleted object stops answering 200 within VIDGATE_EDGE_CACHE_FRESH (${FRESH_MS / 1000} s)`, async () => {
    const key = `it-cache/${freshId('deleted')}.ts`;
    await putObject(key, randomBytes(50_000), 'video/mp2t');
    expect((await get(signed(key))).status).toBe(200);
    await rootClient.removeObject(BUCKET, key);
    const deleted = Date.now();
    const last = await pollUntil(() => get(signed(key)), (r) => r.status !== 200, { timeoutMs: bound, intervalMs: 250 });
    expect(last.status).toBe(404);
    expect(Date.now() - deleted).toBeLessThanOrEqual(bound);
  }, 60_000);

  it(`a replaced object is served with its new bytes within VIDGATE_EDGE_CACHE_FRESH (${FRESH_MS / 1000} s)`, async () => {
    const key = `it-cache/${freshId('replaced')}.ts`;
    const before = randomBytes(50_000);
    const after = randomBytes(60_000);
    await putObject(key, before, 'video/mp2t');
    expect(sha256((await get(signed(key))).body)).toBe(sha256(before));
    await putObject(key, after, 'video/mp2t');
    const replaced = Date.now();
    const last = await pollUntil(() => get(signed(key)), (r) => r.status === 200 && sha256(r.body) === sha256(after), { timeoutMs: bound, intervalMs: 250 });
    expect(sha256(last.body)).toBe(sha256(after));
    expect(Date.now() - replaced).toBeLessThanOrEqual(bound);
  }, 60_000);

  it('checks a copy past its freshness with a conditional request, not a second download', async () => {
    const key = `it-cache/${freshId('revalidated')}.ts`;
    await putObject(key, randomBytes(400_000), 'video/mp2t');
    expect((await get(signed(key))).status).toBe(200);
    await new Promise((r) => setTimeout(r, FRESH_MS + 1_000));
    const cursor = await logCursor();
    expect((await get(signed(key))).status).toBe(200);
    const lines = await logAfter(cursor, 1);
    expect(lines.find((l) => l.log !== 'storage')?.cache).toBe('REVALIDATED');
    const [read] = storageReads(lines, key);
    expect(read?.upstream_status).toBe('304');
    expect(Number(read?.upstream_bytes)).toBeLessThan(2_000);
  }, 60_000);

  it('does not keep an error: an object that did not exist is served within seconds of its upload', async () => {
    const key = `it-cache/${freshId('late')}.ts`;
    expect((await get(signed(key))).status).toBe(404);
    await putObject(key, randomBytes(1_000), 'video/mp2t');
    const uploaded = Date.now();
    const last = await pollUntil(() => get(signed(key)), (r) => r.status === 200, { timeoutMs: 10_000, intervalMs: 250 });
    expect(last.status).toBe(200);
    // Kept 5 s, counted in whole seconds by nginx: up to 6.
    expect(Date.now() - uploaded).toBeLessThan(7_000);
  });
});

describe('headers a CDN and a browser can use', () => {
  it('media is immutable for the rest of its URL\'s life, with the ETag and Last-Modified of storage, and its type is not to be guessed', async () => {
    const key = `it-cache/${freshId('headers')}.ts`;
    await putObject(key, randomBytes(1_000), 'video/mp2t');
    const stat = await rootClient.statObject(BUCKET, key);
    const exp = inSeconds(600);
    const res = await get(signed(key, exp));
    const maxAge = Number(/max-age=(\d+)/.exec(String(res.headers['cache-control']))?.[1]);
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+, immutable$/);
    expect(maxAge).toBeGreaterThan(590);
    expect(maxAge).toBeLessThanOrEqual(600);
    expect(res.headers.etag).toBe(`"${stat.etag}"`);
    expect(res.headers['last-modified']).toBe(stat.lastModified.toUTCString());
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const again = await get(signed(key, exp), { 'If-None-Match': `"${stat.etag}"` });
    expect(again.status).toBe(304);
  });

  it('a signed playlist is for the player only, revalidated by ETag, and gzipped for players that accept it', async () => {
    const pb = await playback(DEMO_ID, tokenFor('edge-headers-viewer'));
    const target = pb.masterUrl.slice(ORIGIN.length);
    const plain = await get(target);
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe('private, no-cache');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const etag = String(plain.headers.etag);
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    const zipped = await get(target, { 'Accept-Encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect((await get(target, { 'If-None-Match': etag })).status).toBe(304);
  });

  it('a playlist fetched as media is not shared, and every refusal is no-store', async () => {
    const key = `it-cache/${freshId('stored')}.m3u8`;
    await putObject(key, Buffer.from('#EXTM3U\n'), 'application/vnd.apple.mpegurl');
    expect((await get(signed(key))).headers['cache-control']).toBe('private, no-cache');
    for (const target of [tamperSignature(signed(key)), signed(key, inSeconds(-10)), signed(`it-cache/${freshId('missing')}.ts`), `/media/${key}`]) {
      const res = await get(target);
      expect(res.status, target).toBeGreaterThanOrEqual(400);
      expect(res.headers['cache-control'], target).toBe('no-store');
    }
  });
});
