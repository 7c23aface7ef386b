import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, rootClient } from './support/media-fixtures.ts';
import { playedSeconds } from './support/pipeline.ts';
import { ORIGIN } from './support/test-stack.ts';
import { DEMO_ID, mediaObjectKey, playback, playlistUris, segmentUris, tokenFor, variants, variantUris, type Playback } from './support/videos.ts';

// ffmpeg as the HLS client: it resolves every playlist URI itself and drops the
// parent's query string, so it only plays if every URI was signed on its own.
const SIGNED_QUERY = /^exp=[1-9][0-9]*&kid=[A-Za-z0-9_-]+&sig=[A-Za-z0-9_-]{43}$/;

let work: string;
let pb: Playback;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-ffmpeg-'));
  pb = await playback(DEMO_ID, tokenFor('ffmpeg-viewer'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function fetchPlaylist(url: string): Promise<{ res: Response; text: string }> {
  const res = await fetch(new URL(url, ORIGIN));
  return { res, text: await res.text() };
}

function expectSignedAbsolutePaths(text: string): void {
  const uris = playlistUris(text);
  expect(uris.length).toBeGreaterThan(0);
  const bad = uris.filter(({ uri }) => {
    if (!uri.startsWith('/') || uri.startsWith('//')) return true;
    const q = uri.indexOf('?');
    return q < 0 || !SIGNED_QUERY.test(uri.slice(q + 1));
  });
  expect(bad).toEqual([]);
}

describe('ffmpeg plays the signed master playlist', () => {
  it('copies every stream to MPEG-TS without an error, about 12 s long', async () => {
    const { seconds, stderr } = await playedSeconds(pb.masterUrl, work);
    expect(stderr).toBe('');
    expect(seconds).toBeGreaterThan(12 - 0.5);
    expect(seconds).toBeLessThan(12 + 0.5);
  });
});

describe('the playlists a client fetches', () => {
  it('the poster is a signed /media/ URL of a JPEG frame', async () => {
    const { posterUrl } = pb;
    expect(new URL(posterUrl).pathname).toBe(`/media/videos/${DEMO_ID}/hls/poster.jpg`);
    expect(new URL(posterUrl).search.slice(1)).toMatch(SIGNED_QUERY);
    const res = await fetch(posterUrl);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect({ status: res.status, type: res.headers.get('content-type'), magic: bytes.subarray(0, 2).toString('hex') }).toEqual({ status: 200, type: 'image/jpeg', magic: 'ffd8' });
  });

  it('the master playlist is HLS, for the player only (revalidated each time), and names only signed absolute paths to variant playlists', async () => {
    const { res, text } = await fetchPlaylist(pb.masterUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(text.startsWith('#EXTM3U')).toBe(true);
    expectSignedAbsolutePaths(text);
    const variants = variantUris(text);
    expect(variants.map((v) => v.split('?')[0])).toEqual(pb.renditions.map((r) => `/v1/hls/${DEMO_ID}/${r.name}/index.m3u8`));
  });

  it('a variant playlist is HLS, for the player only (revalidated each time), and names only signed /media/ URLs of this video', async () => {
    const master = await fetchPlaylist(pb.masterUrl);
    const variant = await fetchPlaylist(variantUris(master.text)[0]!);
    expect(variant.res.status).toBe(200);
    expect(variant.res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(variant.res.headers.get('cache-control')).toBe('private, no-cache');
    expectSignedAbsolutePaths(variant.text);
    const segments = segmentUris(variant.text);
    expect(segments.length).toBe(6); // 12 s in 2 s segments
    expect(segments.filter((s) => !s.startsWith(`/media/videos/${DEMO_ID}/hls/`))).toEqual([]);
  });

  it('every segment of every rendition streams from nginx, byte for byte the stored size', async () => {
    const master = await fetchPlaylist(pb.masterUrl);
    const segments: string[] = [];
    for (const variantUrl of variantUris(master.text)) {
      const variant = await fetchPlaylist(variantUrl);
      expect(variant.res.status).toBe(200);
      segments.push(...segmentUris(variant.text));
    }
    expect(segments.length).toBe(pb.renditions.length * 6);

    let received = 0;
    let stored = 0;
    const failures: string[] = [];
    for (const uri of segments) {
      const res = await fetch(new URL(uri, ORIGIN));
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200 && res.status !== 206) failures.push(`${uri.split('?')[0]}: HTTP ${res.status}`);
      received += body.length;
      stored += (await rootClient.statObject(BUCKET, mediaObjectKey(uri))).size;
    }
    expect(failures).toEqual([]);
    expect(received).toBeGreaterThan(0);
    expect(received).toBe(stored);
  });
});

describe('the audio-only variant, for links too slow for any picture', () => {
  const run = promisify(execFile);
  /** The master's last variant: its EXT-X-STREAM-INF line and its signed URI. */
  async function audioVariant(): Promise<{ attributes: string; uri: string }> {
    return variants((await fetchPlaylist(pb.masterUrl)).text).at(-1)!;
  }

  it('is the master\'s last variant: AAC, no resolution, as the playback says, and signed like every other URI, down to its segments', async () => {
    const { attributes, uri } = await audioVariant();
    expect(attributes).toContain('CODECS="mp4a.40.2"');
    expect(attributes).not.toContain('RESOLUTION=');
    expect(uri.split('?')[0]).toBe(`/v1/hls/${DEMO_ID}/audio/index.m3u8`);
    expect(uri.slice(uri.indexOf('?') + 1)).toMatch(SIGNED_QUERY);
    expect(pb.renditions.at(-1)).toEqual({ kind: 'audio', name: 'audio', bandwidth: Number(/BANDWIDTH=(\d+)/.exec(attributes)![1]), audioBitrate: 64_000 });
    const variant = await fetchPlaylist(uri);
    expect(variant.res.status).toBe(200);
    expectSignedAbsolutePaths(variant.text);
    expect(segmentUris(variant.text)).toHaveLength(6); // the same 2 s timeline as the video renditions
  });

  it('plays in ffmpeg from its signed URL alone: about 12 s of sound and no picture', async () => {
    const { uri } = await audioVariant();
    const out = join(work, 'audio-only.wav');
    const played = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', new URL(uri, ORIGIN).href, '-map', '0', '-c:a', 'pcm_s16le', '-f', 'wav', out], { timeout: 60_000 });
    expect(played.stderr).toBe('');
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type:format=duration', '-of', 'json', out]);
    const { streams, format } = JSON.parse(probe.stdout) as { streams: { codec_type: string }[]; format: { duration: string } };
    expect(streams.map((s) => s.codec_type)).toEqual(['audio']);
    expect(Math.abs(Number(format.duration) - 12)).toBeLessThan(0.1);
  });
});
