import { describe, expect, it } from 'vitest';
import vectors from '../../../nginx/signing-vectors.json' with { type: 'json' };
import { signQueries, signQuery, verify } from './signing.ts';
import { md5Token, signQueryMd5, verifyMd5 } from './signing-md5.ts';

const keys = new Map(Object.entries(vectors.keys));

describe('signing vectors (TypeScript side)', () => {
  it.each(vectors.sign)('signs "$name" exactly as the vector says', (v) => {
    expect(signQuery({ path: v.path, kid: v.kid, exp: v.exp, key: keys.get(v.kid)! })).toBe(v.query);
  });

  it.each(vectors.verify)('verifies "$name"', (v) => {
    const got = verify({ path: v.path, rawQuery: v.query, keys, now: vectors.now });
    if (v.expect.status === 200) expect(got).toMatchObject({ ok: true });
    else expect(got).toEqual({ ok: false, status: v.expect.status, error: v.expect.error });
  });

  it.each(vectors.md5)('reproduces the md5 token of "$name"', (v) => {
    expect(md5Token({ expires: v.expires, uri: v.uri, clientIp: v.clientIp, secret: v.secret })).toBe(v.md5);
  });

  it.each(vectors.md5Sign)('signs and verifies "$name" in md5 mode', (v) => {
    expect(signQueryMd5({ path: v.path, kid: v.kid, exp: v.exp, key: keys.get(v.kid)! })).toBe(v.query);
    expect(verifyMd5({ path: v.path, rawQuery: v.query, keys, now: vectors.now })).toMatchObject({ ok: true });
    expect(verifyMd5({ path: `${v.path}x`, rawQuery: v.query, keys, now: vectors.now })).toMatchObject({ error: 'signature_invalid' });
    expect(verifyMd5({ path: v.path, rawQuery: `${v.query}&acl`, keys, now: vectors.now })).toMatchObject({ error: 'query_not_allowed' });
  });

  it('signs every vector again in one batch, with the same queries', () => {
    for (const kid of Object.keys(vectors.keys)) {
      const batch = vectors.sign.filter((v) => v.kid === kid);
      for (const exp of new Set(batch.map((v) => v.exp))) {
        const same = batch.filter((v) => v.exp === exp);
        expect(signQueries({ paths: same.map((v) => v.path), kid, exp, key: keys.get(kid)! })).toEqual(same.map((v) => v.query));
      }
    }
  });

  it('refuses to mint for keys that could sign ambiguously, one at a time or in a batch', () => {
    for (const path of ['/media/a/../b', '/media/a%2Fb', '/media//a', '/media/a\nb', 'media/a', '/media/a b', '/media/a?b', '/media/./a', '/media/a/']) {
      expect(() => signQuery({ path, kid: 'k1', exp: 4102444800, key: vectors.keys.k1 }), path).toThrow(RangeError);
      expect(() => signQueries({ paths: ['/media/ok', path], kid: 'k1', exp: 4102444800, key: vectors.keys.k1 }), path).toThrow(RangeError);
    }
  });
});
