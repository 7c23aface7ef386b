import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import pkg from '../../../package.json' with { type: 'json' };
import { hmacSha256Base64url, hmacSplice } from './hmac-batch.ts';
import { spliceText } from './splice-text.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const reference = (key: string, message: string) => createHmac('sha256', key).update(message).digest('base64url');
const ascii = (options: { minLength?: number; maxLength?: number }) => fc.string({ ...options, unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) });

describe('hmacSha256Base64url (WebAssembly)', () => {
  it('agrees with node:crypto for random keys and batches of messages of every length around the block boundaries', () => {
    fc.assert(fc.property(ascii({ minLength: 1, maxLength: 100 }), fc.array(ascii({ maxLength: 200 }), { maxLength: 20 }), (key, messages) => {
      expect(hmacSha256Base64url(key, messages)).toEqual(messages.map((m) => reference(key, m)));
    }), { numRuns: 300 });
  });

  it('agrees when messages repeat their first block, as a playlist\'s segments do, and when one then differs', () => {
    const key = 'k'.repeat(40);
    const head = `vidgate-v1\nk1\n4102444800\n/media/videos/abc123/hls/720p/`;
    const messages = [...Array.from({ length: 50 }, (_, i) => `${head}segment_${i}.ts`), `${head.replace('720p', '360p')}segment_0.ts`, `${head}segment_0.ts`];
    expect(hmacSha256Base64url(key, messages)).toEqual(messages.map((m) => reference(key, m)));
    for (const length of [0, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129]) {
      const m = 'x'.repeat(length);
      expect(hmacSha256Base64url(key, [m]), String(length)).toEqual([reference(key, m)]);
    }
  });

  it('agrees for messages that share a head, written once, with tails of every length', () => {
    fc.assert(fc.property(ascii({ minLength: 1, maxLength: 100 }), ascii({ maxLength: 150 }), fc.array(ascii({ maxLength: 200 }), { maxLength: 20 }), (key, head, tails) => {
      expect(hmacSha256Base64url(key, tails, head)).toEqual(tails.map((t) => reference(key, head + t)));
    }), { numRuns: 300 });
  });

  it('agrees over a batch of several runs, with lanes of one and of two last blocks side by side', () => {
    const key = 'key-0123456789abcdef0123456789abcdef';
    const head = 'vidgate-v1\nk1\n4102444800\n';
    // Lengths cycle through 0..70, so four lanes often disagree on their number of last blocks.
    const tails = Array.from({ length: 2_600 }, (_, i) => `/media/v/${'x'.repeat(i % 71)}${i}`);
    const got = hmacSha256Base64url(key, tails, head);
    expect(got).toEqual(tails.map((t) => reference(key, head + t)));
  });

  it('keeps the pads of the last key only while the key stays the same', () => {
    const [a, b] = ['a'.repeat(40), 'b'.repeat(40)];
    for (const key of [a, a, b, a, b, b]) expect(hmacSha256Base64url(key, ['m', 'n'], 'h')).toEqual([reference(key, 'hm'), reference(key, 'hn')]);
  });

  it('hashes a key longer than a block first, as RFC 2104 says', () => {
    for (const key of ['a'.repeat(64), 'b'.repeat(65), 'c'.repeat(200)]) expect(hmacSha256Base64url(key, ['m'])).toEqual([reference(key, 'm')]);
  });

  it('grows its memory for a large batch', () => {
    const messages = Array.from({ length: 30_000 }, (_, i) => `/media/videos/v/hls/1080p/segment_${i}.ts`);
    const got = hmacSha256Base64url('key-0123456789abcdef0123456789abcdef', messages);
    expect(got.length).toBe(30_000);
    expect(got[29_999]).toBe(reference('key-0123456789abcdef0123456789abcdef', messages[29_999]!));
  });

  it('refuses what it cannot sign exactly: non-ASCII text', () => {
    expect(() => hmacSha256Base64url('key', ['vidéo'])).toThrow(RangeError);
    expect(() => hmacSha256Base64url('clé', ['a'])).toThrow(RangeError);
    expect(() => hmacSha256Base64url('key', ['a'], 'tête')).toThrow(RangeError);
    // Anywhere in a long batch, and whatever the character.
    for (const odd of ['é', '\u20ac', '\ud83d\ude00', '\ud800']) {
      const tails = Array.from({ length: 3_000 }, (_, i) => (i === 2_500 ? `/a${odd}` : `/a${i}`));
      expect(() => hmacSha256Base64url('key', tails), odd).toThrow(RangeError);
    }
  });

  it('writes each signed URL into the text as the plain splice would, whatever the text holds', () => {
    // Any text (non-ASCII, surrogate pairs, lone surrogates), spans in order, some tails used twice or never.
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('a', '\n', '"', 'é', '€', '\ud83d\ude00', '\ud800', '\udc00'), fc.string({ unit: 'grapheme', maxLength: 1 })), maxLength: 120 });
    fc.assert(fc.property(ascii({ minLength: 1, maxLength: 70 }), ascii({ maxLength: 40 }), fc.array(ascii({ maxLength: 90 }), { minLength: 1, maxLength: 12 }), ascii({ maxLength: 30 }), text, fc.array(fc.nat(), { maxLength: 30 }), (key, head, tails, between, text, cuts) => {
      // Cut points on code-point boundaries, paired into spans.
      const boundaries = [...text].reduce((at, ch) => [...at, at.at(-1)! + ch.length], [0]);
      const points = [...new Set(cuts.map((c) => boundaries[c % boundaries.length]!))].sort((a, b) => a - b);
      const starts = points.filter((_, i) => i % 2 === 0 && i + 1 < points.length);
      const ends = points.filter((_, i) => i % 2 === 1);
      const indexes = starts.map((_, i) => cuts[i]! % tails.length);
      const spans = { starts, ends, indexes };
      const urls = tails.map((tail) => tail + between + reference(key, head + tail));
      expect(hmacSplice({ key, head, tails, between, text, spans }).equals(spliceText(text, spans, urls))).toBe(true);
    }), { numRuns: 300 });
  });

  it('puts a long playlist together in one call, every URL its own', () => {
    const key = 'key-0123456789abcdef0123456789abcdef';
    const tails = Array.from({ length: 5_000 }, (_, i) => `/media/v/hls/720p/segment_${i}.m4s`);
    const text = `#EXTM3U\n${tails.map((_, i) => `#EXTINF:4.0,\ns${i}\n`).join('')}`;
    const starts: number[] = [];
    for (let at = text.indexOf('\ns'); at >= 0; at = text.indexOf('\ns', at + 1)) starts.push(at + 1);
    const ends = starts.map((start) => text.indexOf('\n', start));
    const spans = { starts, ends, indexes: starts.map((_, i) => i) };
    const out = hmacSplice({ key, head: 'h\n', tails, between: '?sig=', text, spans }).toString();
    expect(out.split('\n').filter((line) => line.startsWith('/')).map((line) => line.split('?sig=')[1])).toEqual(tails.map((tail) => reference(key, `h\n${tail}`)));
  });

  it('refuses, as the plain splice does, a span that ends between the halves of a character', () => {
    const text = 'a\ud83d\ude00b\ud83d\ude00';
    for (const spans of [{ starts: [2], ends: [4], indexes: [0] }, { starts: [0], ends: [2], indexes: [0] }, { starts: [1], ends: [1.5], indexes: [0] }, { starts: [1], ends: [3], indexes: [0.5] }]) {
      expect(() => hmacSplice({ key: 'k', head: '', tails: ['/a'], between: '?', text, spans }), JSON.stringify(spans)).toThrow(RangeError);
      expect(() => spliceText(text, spans, ['/a']), JSON.stringify(spans)).toThrow(RangeError);
    }
    expect(hmacSplice({ key: 'k', head: '', tails: ['/a'], between: '?', text, spans: { starts: [1], ends: [3], indexes: [0] } }).toString()).toBe(`a/a?${reference('k', '/a')}b\ud83d\ude00`);
  });

  it('refuses spans out of order, past the text or naming no tail, and a non-ASCII between', () => {
    const splice = (spans: { starts: number[]; ends: number[]; indexes: number[] }, between = '?') => () => hmacSplice({ key: 'k', head: '', tails: ['/a', '/b'], between, text: 'abcdef', spans });
    expect(splice({ starts: [3, 1], ends: [4, 2], indexes: [0, 0] })).toThrow(RangeError);
    expect(splice({ starts: [1], ends: [3], indexes: [0] })).not.toThrow();
    expect(splice({ starts: [1, 2], ends: [3, 4], indexes: [0, 1] })).toThrow(RangeError);
    expect(splice({ starts: [4], ends: [7], indexes: [0] })).toThrow(RangeError);
    expect(splice({ starts: [3], ends: [2], indexes: [0] })).toThrow(RangeError);
    expect(splice({ starts: [1], ends: [2], indexes: [2] })).toThrow(RangeError);
    expect(splice({ starts: [1], ends: [2], indexes: [-1] })).toThrow(RangeError);
    expect(splice({ starts: [1], ends: [2], indexes: [0] }, '?é')).toThrow(RangeError);
  });

  it('is the module its AssemblyScript source compiles to (npm run build:wasm)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vidgate-wasm-'));
    try {
      const out = join(dir, 'hmac-sha256.wasm');
      const command = pkg.scripts['build:wasm'].replace(/-o \S+$/, `-o ${out}`).split(' ');
      await promisify(execFile)(join(ROOT, 'node_modules/.bin', command[0]!), command.slice(1), { cwd: ROOT });
      expect((await readFile(out)).equals(await readFile(join(ROOT, 'services/common/src/hmac-sha256.wasm')))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
