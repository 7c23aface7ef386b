import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import pkg from '../../../package.json' with { type: 'json' };
import { hmacSha256Base64url } from './hmac-batch.ts';

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
