import { AppError } from '@vidgate/common/errors';
import { spliceText } from '@vidgate/common/splice-text';
import { describe, expect, it } from 'vitest';
import { MAX_PLAYLIST_BYTES, MAX_PLAYLIST_LINES, rewritePlaylist } from './rewrite-playlist.ts';

const PREFIX = 'videos/abc123/hls/';

function rewrite(text: string, videoPrefix = PREFIX): { out: string; signed: string[] } {
  const signed: string[] = [];
  const out = rewritePlaylist({
    text, playlistKey: `${PREFIX}360p/index.m3u8`, videoPrefix,
    pathFor: (key) => `/s/${key}`,
    signInto: (text, spans, paths) => spliceText(text, spans, paths.map((path) => (signed.push(path.slice('/s/'.length)), `${path}?sig=x`))),
  }).toString();
  return { out, signed };
}

function refusal(text: string, videoPrefix?: string): AppError {
  try {
    const { signed } = rewrite(text, videoPrefix);
    throw new Error(`accepted; signed ${JSON.stringify(signed)}`);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err;
  }
}

const media = (...lines: string[]) => ['#EXTM3U', '#EXT-X-TARGETDURATION:6', ...lines, '#EXT-X-ENDLIST'].join('\n');
const segment = (uri: string) => media('#EXTINF:6,', uri);
const master = (...lines: string[]) => ['#EXTM3U', ...lines].join('\n');

// [what, playlist, the line the message must name]
const malformed: [string, string, number][] = [
  ['no #EXTM3U', '#EXT-X-VERSION:3\n#EXTINF:6,\nsegment_000.ts\n', 1],
  ['#EXTM3U after another line', '# comment\n#EXTM3U\n', 1],
  ['an empty file', '', 1],
  ['EXT-X-STREAM-INF at the end without a URI', master('#EXT-X-STREAM-INF:BANDWIDTH=1', ''), 2],
  ['EXT-X-STREAM-INF followed by another', master('#EXT-X-STREAM-INF:BANDWIDTH=1', '#EXT-X-STREAM-INF:BANDWIDTH=2', 'a.m3u8'), 2],
  ['an absolute URL', segment('http://evil/x.ts'), 4],
  ['a FairPlay skd: key URI', media('#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://key42",KEYFORMAT="com.apple.streamingkeydelivery"'), 3],
  ['a data: URI', media('#EXT-X-MAP:URI="data:video/mp4;base64,AAAA"'), 3],
  ['a protocol-relative URL', segment('//evil.example/x.ts'), 4],
  ['an absolute path', segment('/abs/x.ts'), 4],
  ['a path escaping the video', segment('../../../other-video/x.ts'), 4],
  ['a key URI escaping the video', media('#EXT-X-KEY:METHOD=AES-128,URI="../../../k.key"'), 3],
  ['percent-encoded dots', segment('%2e%2e/x.ts'), 4],
  ['a percent-encoded slash', segment('a%2Fb.ts'), 4],
  ['a backslash', segment('..\\..\\x.ts'), 4],
  ['a space inside the URI', segment('segment 000.ts'), 4],
  ['variable substitution', segment('{$base}/x.ts'), 4],
  ['a URI naming a directory', segment('parts/..'), 4],
  ['a double slash', segment('parts//x.ts'), 4],
  ['an empty URI attribute', media('#EXT-X-MAP:URI=""'), 3],
  ['a URI that is only a query', segment('?token=abc'), 4],
  ['an unterminated quote in URI=', media('#EXT-X-MAP:URI="init.mp4'), 3],
  ['an unterminated quote before URI=', media('#EXT-X-KEY:METHOD=AES-128,KEYFORMAT="identity,URI="k.key"'), 3],
  ['EXT-X-MAP without URI', media('#EXT-X-MAP:BYTERANGE="1187@0"'), 3],
  ['EXT-X-MAP without attributes', media('#EXT-X-MAP'), 3],
  ['EXT-X-KEY AES-128 without URI', media('#EXT-X-KEY:METHOD=AES-128,IV=0x1'), 3],
  ['EXT-X-PART without URI', media('#EXT-X-PART:DURATION=0.33334'), 3],
  ['subtitles without URI', master('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",NAME="English"'), 2],
  ['EXT-X-I-FRAME-STREAM-INF without URI', master('#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1'), 2],
  ['two URI attributes', media('#EXT-X-MAP:URI="init.mp4",URI="../../../x.mp4"'), 3],
  ['an unquoted URI', media('#EXT-X-MAP:URI=init.mp4'), 3],
  ['a lowercase attribute name', media('#EXT-X-MAP:uri="init.mp4"'), 3],
  ['text after a quoted value', media('#EXT-X-MAP:URI="init.mp4"x'), 3],
];

describe('rewritePlaylist refuses', () => {
  it.each(malformed)('%s', (_, text, line) => {
    const err = refusal(text);
    expect(err.code).toBe('playlist_invalid');
    expect(err.status).toBe(422);
    expect(err.message).toMatch(new RegExp(`^line ${line}: `));
    expect(err.details).toEqual({ line });
  });

  it('a sibling video that shares the prefix as a string', () => {
    expect(refusal(segment('../../hls-other/x.ts'), 'videos/abc123/hls').code).toBe('playlist_invalid');
  });

  it('a playlist over 5 MB, counted in UTF-8 bytes', () => {
    expect(refusal(`#EXTM3U\n# ${'a'.repeat(MAX_PLAYLIST_BYTES)}`).message).toMatch(/larger than 5 MB/);
    expect(refusal(`#EXTM3U\n# ${'é'.repeat(MAX_PLAYLIST_BYTES / 2)}`).message).toMatch(/larger than 5 MB/);
  });

  it(`a playlist over ${MAX_PLAYLIST_LINES} lines, but not one of exactly that many`, () => {
    expect(refusal(`#EXTM3U${'\n#'.repeat(MAX_PLAYLIST_LINES)}`).message).toMatch(/more than 200000 lines/);
    expect(refusal(`#EXTM3U${'\n'.repeat(MAX_PLAYLIST_LINES + 5)}`).message).toMatch(/more than 200000 lines/);
    expect(rewrite(`#EXTM3U${'\n#'.repeat(MAX_PLAYLIST_LINES - 1)}\n`).out).toHaveLength(2 * MAX_PLAYLIST_LINES + 6);
  });

  it(`a playlist over ${MAX_PLAYLIST_LINES} lines for that, whatever else is wrong in it, as when lines are counted first`, () => {
    const over = '\n#'.repeat(MAX_PLAYLIST_LINES);
    expect(refusal(`#EXTM3U\nhttp://evil/x.ts${over}`).message).toMatch(/more than 200000 lines/);
    expect(refusal(`# no header${over}`).message).toMatch(/more than 200000 lines/);
    expect(refusal(`#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1${over}`).message).toMatch(/more than 200000 lines/);
    expect(refusal(`#EXTM3U\n# a\rb${over}`).message).toMatch(/more than 200000 lines/);
    // A stray line break is found before the lines are split, so it comes first when only the last, unended line is one too many.
    expect(refusal(`#EXTM3U\n# a\rb${'\n#'.repeat(MAX_PLAYLIST_LINES - 1)}`).message).toMatch(/^line 2: a line break other than LF or CRLF/);
  });

  it('and quotes a long hostile URI only in part', () => {
    expect(refusal(segment(`http://${'x'.repeat(10_000)}`)).message.length).toBeLessThan(300);
  });
});

describe('rewritePlaylist accepts', () => {
  it('tags whose URI is optional or absent by definition, unchanged', () => {
    const lines = [
      '#EXT-X-KEY:METHOD=NONE',
      '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="English",INSTREAM-ID="CC1"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="Main",DEFAULT=YES',
      '#EXT-X-SESSION-DATA:DATA-ID="com.example.title",VALUE="A, B"',
    ];
    expect(rewrite(master(...lines)).out).toBe(`${master(...lines)}\n`);
  });

  it('a segment without #EXTINF, and a query or fragment that contains percent-encoding', () => {
    const { signed } = rewrite(media('a.ts', '#EXTINF:6,', 'b.ts?t=%2e%2e#x%20y'));
    expect(signed).toEqual([`${PREFIX}360p/a.ts`, `${PREFIX}360p/b.ts`]);
  });

  it('a URI with surrounding whitespace, resolved without it', () => {
    expect(rewrite(segment('  a.ts\t')).signed).toEqual([`${PREFIX}360p/a.ts`]);
  });
});
