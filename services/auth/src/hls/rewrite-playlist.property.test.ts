import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '@vidgate/common/errors';
import { MAX_KEY_LENGTH } from '@vidgate/common/object-key';
import { createUrlSigner } from '@vidgate/common/url-signer';
import { videoKeys } from '@vidgate/common/video';
import { rewritePlaylist } from './rewrite-playlist.ts';

/**
 * Properties of the playlist rewriter on random and mutated playlists (built
 * from the fixtures): it refuses with playlist_invalid or it answers a playlist
 * in which every URI a player can read is signed for an object of this video.
 * "A line" is read as a JavaScript player reads it (hls.js: LF, CR, U+2028 and
 * U+2029 all end one), not only as RFC 8216 defines it.
 */
const NOW = 1_700_000_000;
const EXP = NOW + 3600;
const signer = createUrlSigner({ mode: 'hmac', keys: new Map([['k1', 'property-test-key-0123456789abcdefghij']]), activeKid: 'k1' });
const fixtures = readdirSync(new URL('fixtures/', import.meta.url)).map((f) => readFileSync(new URL(`fixtures/${f}`, import.meta.url), 'utf8'));
// The tags RFC 8216bis defines a URI attribute for: a player fetches it.
const URI_TAGS = new Set(['EXT-X-KEY', 'EXT-X-MAP', 'EXT-X-MEDIA', 'EXT-X-I-FRAME-STREAM-INF', 'EXT-X-SESSION-DATA', 'EXT-X-SESSION-KEY', 'EXT-X-PART', 'EXT-X-PRELOAD-HINT', 'EXT-X-RENDITION-REPORT']);
// hls.js's attribute-list reading (src/utils/attr-list.ts), laxer than the rewriter's.
const ATTRIBUTE = /(.+?)=(".*?"|.*?)(?:,|$)/g;

interface Ctx { id: string; dir: string }
type Mutation = (lines: string[], ctx: Ctx) => string[];

// --- odd URIs ---
const odd = fc.oneof(
  fc.constantFrom('', ' ', '.', '..', './', '../', '../../..', '/', '//evil.example/x.ts', 'http://evil/x.ts', 'HTTPS://evil/x', 'data:,x', 'skd://k', 'a?b=c', 'a#f', '?x',
    '#x', 'a%2Fb', '%2e%2e/x', '..%2f', 'a\\b', 'a//b', 'a/./b', 'a/../../x', '{$x}', 'é.ts', '😀.ts', 'a b', 'a\tb', 'a\rb', 'a\u2028b', 'a"b', 'a,b', 'x.ts?exp=1&kid=k1&sig=x'),
  fc.record({ up: fc.integer({ min: 1, max: 6 }), other: fc.boolean(), name: fc.constantFrom('x.ts', 'hls/x.ts', 'meta.json') })
    .map(({ up, other, name }) => (ctx: Ctx) => `${'../'.repeat(up)}${other ? `${ctx.id}x/` : ''}${name}`),
  // Near the longest key: media paths ("/media/" + key) are 7 characters longer than the key.
  fc.integer({ min: -12, max: 3 }).map((by) => (ctx: Ctx) => 'a'.repeat(Math.max(1, MAX_KEY_LENGTH - ctx.dir.length + by))),
  fc.string({ unit: fc.constantFrom(...'ab./?#%-_~'), maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const oddValue = (v: string | ((ctx: Ctx) => string), ctx: Ctx) => (typeof v === 'string' ? v : v(ctx));

// --- line mutations ---
const at = (lines: string[], i: number) => i % Math.max(1, lines.length);
const nasty = fc.oneof(fc.constantFrom('"', ',', '=', ' ', '\t', ':', '#', 'URI=', '\r', '\n', '\u2028', '\uFEFF', '\0', '#EXT-X-KEY:METHOD=AES-128,URI='), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }));
const lineFrom = fc.oneof(
  fc.constantFrom('#EXT-X-MAP:URI="@"', '#EXT-X-KEY:METHOD=AES-128,URI="@"', '#EXT-X-SESSION-KEY:METHOD=AES-128,URI="@"', '#EXT-X-STREAM-INF:BANDWIDTH=1', '@',
    '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",NAME="n",URI="@"', '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="@"', '#EXT-X-PART:DURATION=1,URI="@"',
    '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="@"', '#EXT-X-RENDITION-REPORT:URI="@",LAST-MSN=1', '#EXT-X-SESSION-DATA:DATA-ID="d",URI="@"', '#EXTINF:6,',
    '#EXT-X-MAP:URI=@', '#EXT-X-MAP:URI="@",URI="@"', '#EXT-X-KEY:METHOD=NONE', '# comment', '', '   ', '#EXTM3U'),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i): Mutation => (l) => l.toSpliced(at(l, i), 1)),
  fc.nat().map((i): Mutation => (l) => l.toSpliced(at(l, i), 0, l[at(l, i)] ?? '')),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]): Mutation => (l) => {
    const out = [...l];
    [out[at(l, i)], out[at(l, j)]] = [l[at(l, j)]!, l[at(l, i)]!];
    return out;
  }),
  fc.tuple(fc.nat(), lineFrom, odd, fc.boolean()).map(([i, line, uri, replace]): Mutation => (l, ctx) => l.toSpliced(at(l, i) + (replace ? 0 : 1), replace ? 1 : 0, line.replaceAll('@', oddValue(uri, ctx)))),
  // Corrupt an attribute list, or any line.
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('flip', 'insert', 'delete'), nasty).map(([i, j, op, ch]): Mutation => (l) => {
    const cps = [...(l[at(l, i)] ?? '')];
    const k = j % (cps.length + 1);
    cps.splice(k, op === 'insert' ? 0 : 1, ...(op === 'delete' ? [] : [ch]));
    return l.toSpliced(at(l, i), 1, cps.join(''));
  }),
  // A URI="..." (or a URI line) given an odd value.
  fc.tuple(fc.nat(), odd).map(([i, uri]): Mutation => (l, ctx) => {
    const n = at(l, i);
    const line = l[n] ?? '';
    const value = oddValue(uri, ctx);
    if (line.includes('URI="')) return l.toSpliced(n, 1, line.replace(/URI="[^"]*"/, () => `URI="${value}"`));
    if (line.startsWith('#EXT') && line.includes(':')) return l.toSpliced(n, 1, line.replace(':', () => `:URI="${value}",`));
    return line.startsWith('#') ? l : l.toSpliced(n, 1, value);
  }),
  fc.tuple(fc.nat(), fc.constantFrom(10_000, 100_000)).map(([i, n]): Mutation => (l) => l.toSpliced(at(l, i), 0, `#${'x'.repeat(n)}`, 'a'.repeat(n))),
  fc.nat().map((i): Mutation => (l) => l.slice(0, at(l, i))),
);
const text = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...fixtures), fc.array(mutation, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), fc.boolean()) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `#EXTM3U\n${s}`), fc.constant([] as Mutation[]), fc.constant('\n'), fc.boolean()) },
  { weight: 1, arbitrary: fc.tuple(fc.uint8Array({ maxLength: 300 }).map((b) => `#EXTM3U\n${Buffer.from(b).toString('utf8')}`), fc.constant([] as Mutation[]), fc.constant('\n'), fc.boolean()) },
);
const input = fc.record({
  id: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  playlist: fc.constantFrom('master.m3u8', '360p/index.m3u8', 'v5/iframe_index.m3u8', 'a/b/c/index.m3u8'),
  text,
});

// --- the check: what a player reads of the answer ---
/** Every URI a player can read in the rewritten playlist. */
function urisOf(out: string): string[] {
  const uris: string[] = [];
  for (const raw of out.split(/\r\n|[\n\r\u2028\u2029]/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('#')) {
      uris.push(line);
      continue;
    }
    const colon = line.indexOf(':');
    if (!line.startsWith('#EXT') || colon < 0 || !URI_TAGS.has(line.slice(1, colon))) continue;
    for (const m of line.slice(colon + 1).matchAll(ATTRIBUTE)) {
      if (m[1]!.trim() === 'URI') uris.push(/^".*"$/.test(m[2]!) ? m[2]!.slice(1, -1) : `unquoted: ${m[2]}`);
    }
  }
  return uris;
}

/** What is wrong with a URI in the answer for video `id`, or undefined. */
function uriProblem(uri: string, id: string): string | undefined {
  const q = uri.indexOf('?');
  const path = q < 0 ? uri : uri.slice(0, q);
  const verdict = signer.verify(path, q < 0 ? '' : uri.slice(q + 1), NOW);
  if (!verdict.ok) return `${verdict.error}: ${JSON.stringify(uri.slice(0, 200))}`;
  if (!path.startsWith(`/media/${videoKeys.hlsPrefix(id)}`) && !path.startsWith(`/v1/hls/${id}/`)) return `outside video ${id}: ${uri}`;
  return undefined;
}

function rewrite(id: string, playlist: string, text: string): string {
  const prefix = videoKeys.hlsPrefix(id);
  return rewritePlaylist({
    text,
    playlistKey: prefix + playlist,
    videoPrefix: prefix,
    // As routes/hls.ts does.
    pathFor: (key, kind) => (kind === 'media' ? `/media/${key}` : `/v1/hls/${id}/${key.slice(prefix.length)}`),
    signInto: (text, spans, paths) => signer.signInto(text, spans, paths, EXP),
  }).toString();
}

describe('rewritePlaylist on random and mutated playlists', () => {
  it('refuses with playlist_invalid, or signs every URI a player reads, for an object of this video', () => {
    const seen = { accepted: 0, refused: 0, uris: 0 };
    fc.assert(
      fc.property(input, ({ id, playlist, text: [base, mutations, eol, bom] }) => {
        const ctx = { id, dir: videoKeys.hlsPrefix(id) + playlist.slice(0, playlist.lastIndexOf('/') + 1) };
        const lines = mutations.reduce((l, m) => m(l, ctx), base.replace(/^\uFEFF/, '').split(/\r?\n/));
        const text = (bom ? '\uFEFF' : '') + lines.join(eol);
        let out: string;
        try {
          out = rewrite(id, playlist, text);
        } catch (err) {
          if (!(err instanceof AppError) || err.code !== 'playlist_invalid') throw err;
          seen.refused++;
          return;
        }
        seen.accepted++;
        const uris = urisOf(out);
        seen.uris += uris.length;
        expect(uris.map((u) => uriProblem(u, id)).filter(Boolean)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
    // The runs must reach both answers, and accepted playlists must have had URIs to check.
    expect(seen.accepted).toBeGreaterThan(200);
    expect(seen.refused).toBeGreaterThan(200);
    expect(seen.uris).toBeGreaterThan(seen.accepted);
  });

  it('would notice an unsigned, tampered or foreign URI, or one a lone CR hides', () => {
    const id = 'abc123';
    const good = rewrite(id, '360p/index.m3u8', fixtures.find((f) => f.includes('#EXT-X-KEY'))!);
    expect(urisOf(good).map((u) => uriProblem(u, id)).filter(Boolean)).toEqual([]);
    const bad = (text: string) => urisOf(text).map((u) => uriProblem(u, id)).filter(Boolean);
    expect(bad(`${good}seg.ts\n`)).toHaveLength(1);
    expect(bad(good.replace(/sig=./, 'sig=_'))).toHaveLength(1);
    expect(bad(good.replace(/URI="[^"]*"/, 'URI="http://evil/k"'))).toHaveLength(1);
    expect(bad(`${good}# comment\rhttp://evil/x.ts\n`)).toHaveLength(1);
    expect(bad(`${good}#EXTINF:6,\u2028http://evil/x.ts\n`)).toHaveLength(1);
    expect(uriProblem(rewrite('other', '360p/index.m3u8', '#EXTM3U\na.ts\n').trim().split('\n')[1]!, id)).toMatch(/^outside/);
  });
});
