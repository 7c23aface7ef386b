import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { memoryObjectStore } from '@vidgate/common/memory-object-store';
import { createUrlSigner } from '@vidgate/common/url-signer';
import { videoKeys, type Caption } from '@vidgate/common/video';
import { loadAuthConfig } from '../auth-config.ts';
import { rewritePlaylist } from '../hls/rewrite-playlist.ts';
import { presentationStart, subtitleLanguageOf, subtitlePlaylist, subtitlePlaylistKey, SUBTITLES_GROUP, withSubtitles } from './subtitles.ts';
import { firstTimestamp } from './ts-start.ts';

const config = loadAuthConfig({ VIDGATE_LOG_LEVEL: 'silent', VIDGATE_SIGNING_KEYS: 'k1:subtitles-test-signing-key-0123456789abcdef' });
const signer = createUrlSigner(config.signing);
const EXP = 4_000_000_000;
const run = promisify(execFile);
const ID = 'abc123';
const PREFIX = videoKeys.hlsPrefix(ID);
const master = readFileSync(new URL('../hls/fixtures/ffmpeg-ts-master.m3u8', import.meta.url), 'utf8');
const captions: Caption[] = [
  { language: 'de', label: 'Deutsch', updatedAt: '2026-11-26T03:00:00.000Z' },
  { language: 'en', label: 'English', updatedAt: '2026-11-26T03:00:00.000Z' },
  { language: 'en-GB', label: 'English', updatedAt: '2026-11-26T03:00:00.000Z' },
];

/** As the /v1/hls route signs: nested playlists back to it, media to /media/. */
const sign = (text: string, playlistKey: string, videoPrefix: string) => rewritePlaylist({
  text, playlistKey, videoPrefix,
  pathFor: (key, kind) => (kind === 'media' ? `/media/${key}` : `/v1/hls/${ID}/${key.slice(PREFIX.length)}`),
  signInto: (text, spans, paths) => signer.signInto(text, spans, paths, EXP),
}).toString();

/** Every URI of a playlist (URI lines and URI="…" attributes). */
const urisOf = (text: string) => text.split('\n').flatMap((line) => (line && !line.startsWith('#') ? [line] : [...line.matchAll(/URI="([^"]*)"/g)].map((m) => m[1]!)));
const verified = (url: string) => {
  const [path, query] = url.split('?') as [string, string];
  return signer.verify(path, query, EXP - 60).ok ? path : `UNSIGNED ${url}`;
};

describe('the signed master playlist with captions', () => {
  const signed = sign(withSubtitles(master, captions), videoKeys.master(ID), PREFIX);

  it('names each caption as a subtitles rendition whose URI is signed, back to the playlist route', () => {
    const media = signed.split('\n').filter((line) => line.startsWith('#EXT-X-MEDIA:'));
    expect(media.map((line) => line.replace(/URI="[^"]*"/, 'URI=…'))).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="de",NAME="Deutsch",AUTOSELECT=YES,DEFAULT=NO,URI=…',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",AUTOSELECT=YES,DEFAULT=NO,URI=…',
      // NAME is unique in a group (RFC 8216 4.3.4.1.1).
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en-GB",NAME="English (en-GB)",AUTOSELECT=YES,DEFAULT=NO,URI=…',
    ]);
    expect(urisOf(signed).map(verified)).toEqual([
      `/v1/hls/${ID}/captions/de.m3u8`, `/v1/hls/${ID}/captions/en.m3u8`, `/v1/hls/${ID}/captions/en-GB.m3u8`,
      `/v1/hls/${ID}/360p/index.m3u8`, `/v1/hls/${ID}/720p/index.m3u8`, `/v1/hls/${ID}/1080p/index.m3u8`,
    ]);
  });

  it('puts SUBTITLES="subs" on every variant and keeps every other line', () => {
    const variants = signed.split('\n').filter((line) => line.startsWith('#EXT-X-STREAM-INF:'));
    expect(variants).toHaveLength(3);
    for (const line of variants) expect(line).toMatch(new RegExp(`,SUBTITLES="${SUBTITLES_GROUP}"$`));
    const withoutAdded = withSubtitles(master, captions).split('\n').filter((line) => !line.startsWith('#EXT-X-MEDIA:')).map((line) => line.replace(/,SUBTITLES="subs"$/, ''));
    expect(withoutAdded.join('\n')).toBe(master);
  });

  it('is the stored master, unchanged, without captions', () => {
    expect(withSubtitles(master, [])).toBe(master);
  });
});

describe('a subtitle playlist', () => {
  it('is one segment, the whole WebVTT file as long as the video, signed for /media/', () => {
    const caption = { language: 'en-GB', label: 'English', updatedAt: '2026-11-26T03:00:00.000Z', version: '0123456789abcdef' };
    const text = sign(subtitlePlaylist(caption, 12.48), subtitlePlaylistKey(ID, 'en-GB'), videoKeys.prefix(ID));
    expect(text.split('\n').map((line) => (line.startsWith('/media/') ? verified(line) : line))).toEqual([
      '#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:13', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXTINF:12.480,', `/media/videos/${ID}/captions/en-GB.0123456789abcdef.vtt`, '#EXT-X-ENDLIST', '',
    ]);
  });

  it('is found at captions/<language>.m3u8 only', () => {
    expect(subtitleLanguageOf('captions/pt-BR.m3u8')).toBe('pt-BR');
    for (const path of ['captions/../en.m3u8', 'captions/en.vtt', '360p/captions/en.m3u8', 'captions/en/index.m3u8']) expect(subtitleLanguageOf(path)).toBeUndefined();
  });
});

describe('where playback starts in the first segment', () => {
  /** An MPEG-TS as the transcoder's ffmpeg writes one (H.264 with B-frames, AAC), optionally shifted. */
  /** The segment, and its earliest decoding time as ffprobe reads it. */
  async function segment(extra: string[] = []): Promise<{ bytes: Buffer; earliest: number }> {
    const dir = await mkdtemp(join(tmpdir(), 'vidgate-ts-start-'));
    const file = join(dir, 'seg.ts');
    try {
      await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine=sample_rate=48000',
        '-t', '1', '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', ...extra, '-f', 'mpegts', file]);
      const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=dts', '-of', 'csv=p=0', file]);
      return { bytes: await readFile(file), earliest: Math.min(...probe.stdout.split('\n').map((line) => Number.parseInt(line, 10)).filter(Number.isFinite)) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("is the earliest decoding time of its audio and video: ffmpeg's 1.4 s, or later when shifted", async () => {
    const plain = await segment();
    expect(plain.earliest).toBe(126_000);
    expect(firstTimestamp(plain.bytes)).toBe(126_000);
    const shifted = await segment(['-output_ts_offset', '10']);
    expect(shifted.earliest).toBeGreaterThan(900_000);
    expect(firstTimestamp(shifted.bytes)).toBe(shifted.earliest);
    expect(firstTimestamp(Buffer.from('#EXTM3U\nnot a transport stream\n'.repeat(20)))).toBeUndefined();
  }, 30_000);

  it('is read from the first segment of the first variant the master names', async () => {
    const shifted = await segment(['-output_ts_offset', '10']);
    const objects = memoryObjectStore();
    await objects.putText(videoKeys.master(ID), master, 'application/vnd.apple.mpegurl');
    await objects.putText(`${PREFIX}360p/index.m3u8`, '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_00000.ts\n#EXTINF:2,\nseg_00001.ts\n#EXT-X-ENDLIST\n', 'application/vnd.apple.mpegurl');
    // The memory store keeps text: the segment's bytes come from ffmpeg's file.
    const read: string[] = [];
    const store = { ...objects, getHead: async (key: string, length: number) => (read.push(key), shifted.bytes.subarray(0, length)) };
    expect(await presentationStart(store, ID)).toBe(shifted.earliest);
    expect(read).toEqual([`${PREFIX}360p/seg_00000.ts`]);
  }, 30_000);

  it('is read through the master and its first variant; unknown without them', async () => {
    const objects = memoryObjectStore();
    expect(await presentationStart(objects, ID)).toBeUndefined();
    await objects.putText(videoKeys.master(ID), master, 'application/vnd.apple.mpegurl');
    await objects.putText(`${PREFIX}360p/index.m3u8`, '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_00000.ts\n#EXT-X-ENDLIST\n', 'application/vnd.apple.mpegurl');
    // The memory store keeps text: a segment that is not MPEG-TS has no start.
    await objects.putText(`${PREFIX}360p/seg_00000.ts`, 'not a segment', 'video/mp2t');
    expect(await presentationStart(objects, ID)).toBeUndefined();
    await objects.putText(videoKeys.master(ID), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../../other/hls/index.m3u8\n', 'application/vnd.apple.mpegurl');
    expect(await presentationStart(objects, ID)).toBeUndefined();
  });
});
