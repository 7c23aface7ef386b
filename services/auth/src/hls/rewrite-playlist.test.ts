import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spliceText, type Spans } from '@vidgate/common/splice-text';
import { rewritePlaylist as rewriteToBytes, type RewriteInput } from './rewrite-playlist.ts';

const rewritePlaylist = (input: RewriteInput) => rewriteToBytes(input).toString();

const PREFIX = 'videos/abc123/hls/';

/** Fakes whose output names the kind and the resolved key, so the output can be checked by reading it. */
function fakeSigners() {
  const calls: string[] = [];
  const record = (url: string) => (calls.push(decode(url)), url);
  return {
    calls,
    pathFor: (key: string, kind: 'media' | 'playlist') => (kind === 'media' ? `/media/${key}` : `/v1/hls/${key}`),
    signInto: (text: string, spans: Spans, paths: readonly string[]) => spliceText(text, spans, paths.map((path) => record(`${path}?sig=${path.startsWith('/media/') ? 'M' : 'P'}`))),
  };
}

// The test's own, simpler reading of a playlist: URI lines and URI="..." attributes.
const URI_ATTRIBUTE = /([:,]\s*)URI="([^"]*)"/g;
const isUriLine = (line: string) => line.trim() !== '' && !line.trim().startsWith('#');

function lines(text: string): string[] {
  const all = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (all.at(-1) === '') all.pop();
  return all;
}

function urisOf(text: string): string[] {
  return lines(text).flatMap((line) =>
    isUriLine(line) ? [line] : [...line.matchAll(URI_ATTRIBUTE)].map((m) => m[2]!),
  );
}

function withoutUris(text: string): string[] {
  return lines(text).map((line) => (isUriLine(line) ? '<uri>' : line.replace(URI_ATTRIBUTE, '$1URI=""')));
}

/** "M 360p/a.ts" for "/media/videos/abc123/hls/360p/a.ts?sig=M"; throws on anything a fake did not return. */
function decode(url: string): string {
  const m = /^\/media\/(.+)\?sig=M$/.exec(url) ?? /^\/v1\/hls\/(.+)\?sig=P$/.exec(url);
  if (!m || !m[1]!.startsWith(PREFIX)) throw new Error(`not a signed URL: ${url}`);
  return `${url.startsWith('/media/') ? 'M' : 'P'} ${m[1]!.slice(PREFIX.length)}`;
}

const segments = (kind: string, dir: string, names: string[]) => names.map((n) => `${kind} ${dir}${n}`);
const seq = (from: number, to: number, f: (i: string) => string) =>
  Array.from({ length: to - from + 1 }, (_, i) => f(String(from + i).padStart(3, '0')));

// Each fixture with the key it is stored under and, in order, the kind and key of every URI it must come out with.
const corpus: { fixture: string; playlist: string; uris: string[] }[] = [
  { fixture: 'ffmpeg-ts-master', playlist: 'master.m3u8', uris: segments('P', '', ['360p/index.m3u8', '720p/index.m3u8', '1080p/index.m3u8']) },
  { fixture: 'ffmpeg-ts-media', playlist: '360p/index.m3u8', uris: seq(0, 3, (i) => `M 360p/segment_${i}.ts`) },
  {
    fixture: 'fmp4-media',
    playlist: '720p/index.m3u8',
    uris: segments('M', '720p/', ['init.mp4', 'segment_000.m4s', 'segment_001.m4s', 'init_1.mp4', 'segment_002.m4s', 'segment_003.m4s']),
  },
  { fixture: 'byterange-single-file', playlist: '1080p/index.m3u8', uris: Array(5).fill('M 1080p/stream.mp4') },
  {
    fixture: 'master-alternate-renditions',
    playlist: 'master.m3u8',
    uris: segments('P', '', ['audio/en/index.m3u8', 'audio/fr/index.m3u8', 'subs/en/index.m3u8', 'subs/de/index.m3u8', '540p/index.m3u8', '1080p/index.m3u8', '360p/index.m3u8']),
  },
  {
    fixture: 'master-iframe',
    playlist: 'master.m3u8',
    uris: segments('P', '', ['v5/prog_index.m3u8', 'v9/prog_index.m3u8', 'v5/iframe_index.m3u8', 'v9/iframe_index.m3u8']),
  },
  { fixture: 'iframe-media', playlist: 'v5/iframe_index.m3u8', uris: segments('M', 'v5/', ['fileSequence0.ts', 'fileSequence0.ts', 'fileSequence1.ts']) },
  {
    fixture: 'aes128-key-rotation',
    playlist: '360p/index.m3u8',
    uris: [0, 0, 0, 1, 1].flatMap((k, i) => [`M keys/key-${k}.key`, `M 360p/segment_00${i}.ts`]).concat('M 360p/segment_005.ts'),
  },
  {
    fixture: 'master-session-key',
    playlist: 'master.m3u8',
    uris: ['M keys/key-0.key', 'M chapters.json', 'P 360p/index.m3u8', 'P 720p/index.m3u8'],
  },
  {
    fixture: 'query-strings',
    playlist: '360p/index.m3u8',
    uris: segments('M', '360p/', ['init.mp4', 'key.bin', 'segment_000.m4s', 'segment_001.m4s', 'segment_002.m4s', 'segment_000.m4s']),
  },
  {
    fixture: 'parent-relative',
    playlist: '360p/index.m3u8',
    uris: ['M shared/init.mp4', ...seq(0, 4, (i) => `M 360p/segment_${i}.m4s`)],
  },
  { fixture: 'crlf-bom', playlist: '360p/index.m3u8', uris: segments('M', '360p/', ['init.mp4', 'segment_000.m4s', 'segment_001.m4s']) },
  { fixture: 'comments-unknown-tags', playlist: '360p/index.m3u8', uris: seq(100, 103, (i) => `M 360p/segment_${i}.ts`) },
  {
    fixture: 'll-hls-media',
    playlist: '360p/index.m3u8',
    uris: [
      ...segments('M', '360p/', ['init.mp4', 'fileSequence266.mp4', 'fileSequence267.mp4']),
      ...seq(0, 2, (i) => `M 360p/filePart268.${Number(i)}.mp4`),
      ...segments('M', '360p/', ['fileSequence268.mp4', 'fileSequence269.mp4', 'fileSequence269.mp4', 'fileSequence269.mp4', 'init-next.mp4']),
      'P 720p/index.m3u8',
      'P 1080p/index.m3u8',
    ],
  },
];

describe('rewritePlaylist on real-world playlist shapes', () => {
  it.each(corpus)('$fixture', ({ fixture, playlist, uris }) => {
    const text = readFileSync(new URL(`fixtures/${fixture}.m3u8`, import.meta.url), 'utf8');
    const signers = fakeSigners();
    const out = rewritePlaylist({ text, playlistKey: PREFIX + playlist, videoPrefix: PREFIX, ...signers });

    // Every URI is a signer's output, of the expected kind and key, in order.
    expect(urisOf(out).map(decode)).toEqual(uris);
    expect(urisOf(text)).toHaveLength(uris.length);
    // Nothing but the URIs changed.
    expect(withoutUris(out)).toEqual(withoutUris(text));
    // Each object signed once, so repeats (rotated keys, byte ranges) share one URL.
    expect(signers.calls).toEqual([...new Set(uris)]);
    expect(out.endsWith('\n')).toBe(true);
    expect(out).not.toMatch(/\r|\uFEFF/);
  });

  it('reads the CRLF fixture with its CRLF line endings and BOM intact', () => {
    const bytes = readFileSync(new URL('fixtures/crlf-bom.m3u8', import.meta.url));
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.toString('utf8').split('\r\n')).toHaveLength(12);
  });

  it('keeps the bytes around a URI attribute, including quoted commas and non-ASCII', () => {
    const text = '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,NAME="Français, VF",URI="a/fr.m3u8",CHANNELS="2"\n#EXT-X-KEY:METHOD=AES-128, URI="k.key" \n';
    const out = rewritePlaylist({ text, playlistKey: `${PREFIX}m.m3u8`, videoPrefix: PREFIX, ...fakeSigners() });
    expect(out).toBe(
      `#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,NAME="Français, VF",URI="/v1/hls/${PREFIX}a/fr.m3u8?sig=P",CHANNELS="2"\n` +
        `#EXT-X-KEY:METHOD=AES-128, URI="/media/${PREFIX}k.key?sig=M" \n`,
    );
  });

  it('signs the same key separately as a playlist and as media', () => {
    const text = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nx.m3u8\n#EXT-X-SESSION-DATA:DATA-ID="d",URI="x.m3u8"\n';
    const signers = fakeSigners();
    rewritePlaylist({ text, playlistKey: `${PREFIX}m.m3u8`, videoPrefix: PREFIX, ...signers });
    expect(signers.calls).toEqual(['P x.m3u8', 'M x.m3u8']);
  });

  it('accepts blank lines before #EXTM3U and a video prefix given without its trailing slash', () => {
    const out = rewritePlaylist({
      text: '\n\n#EXTM3U\n#EXTINF:4,\na.ts',
      playlistKey: `${PREFIX}360p/index.m3u8`,
      videoPrefix: 'videos/abc123/hls',
      ...fakeSigners(),
    });
    expect(out).toBe(`\n\n#EXTM3U\n#EXTINF:4,\n/media/${PREFIX}360p/a.ts?sig=M\n`);
  });
});
