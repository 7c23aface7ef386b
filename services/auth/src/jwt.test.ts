import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from './auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import { issueToken, verifyToken } from './jwt.ts';

const SECRET = 'jwt-test-secret-0123456789abcdefghijklmnop';
const { jwt: jwtConfig } = loadAuthConfig({ VIDGATE_JWT_SECRET: SECRET, VIDGATE_JWT_ISSUER: 'vidgate-test', VIDGATE_JWT_AUDIENCE: 'vidgate-test-api' });

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: object = {}) => ({ sub: 'alice', role: 'admin', premium: true, iss: jwtConfig.issuer, aud: jwtConfig.audience, iat: now(), exp: now() + 600, ...extra });
const hs256 = (header: object, payload: object, secret = SECRET) => {
  const signingInput = `${b64(header)}.${b64(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
};

function expectRefused(token: string): AppError {
  let caught: unknown;
  try {
    verifyToken(jwtConfig, token);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect(caught).toMatchObject({ code: 'token_invalid', status: 401 });
  return caught as AppError;
}

describe('issueToken / verifyToken', () => {
  it('round-trips sub, role and premium, and groups and name when given (groups always set)', () => {
    expect(verifyToken(jwtConfig, issueToken(jwtConfig, { sub: 'alice', role: 'admin', premium: true }))).toEqual({ sub: 'alice', role: 'admin', premium: true, groups: [] });
    expect(verifyToken(jwtConfig, issueToken(jwtConfig, { sub: 'bob', role: 'user', premium: false }))).toEqual({ sub: 'bob', role: 'user', premium: false, groups: [] });
    expect(verifyToken(jwtConfig, issueToken(jwtConfig, { sub: 'bot', role: 'user', premium: false, groups: ['editors', 'robots'], name: 'Deploy Bot' }))).toEqual({ sub: 'bot', role: 'user', premium: false, groups: ['editors', 'robots'], name: 'Deploy Bot' });
  });

  it('keeps only the strings of a groups claim, and reads a lone string as one group', () => {
    expect(verifyToken(jwtConfig, hs256({ alg: 'HS256', typ: 'JWT' }, claims({ groups: ['a', 7, null, '', 'b'] }))).groups).toEqual(['a', 'b']);
    expect(verifyToken(jwtConfig, hs256({ alg: 'HS256', typ: 'JWT' }, claims({ groups: 'editors' }))).groups).toEqual(['editors']);
    expect(verifyToken(jwtConfig, hs256({ alg: 'HS256', typ: 'JWT' }, claims({ groups: { admin: true }, name: 42 })))).toEqual({ sub: 'alice', role: 'admin', premium: true, groups: [] });
  });

  it('mints HS256 tokens with the configured issuer, audience and ttl', () => {
    const token = issueToken(jwtConfig, { sub: 'alice', role: 'user', premium: false }, 120);
    const decoded = jwt.decode(token, { complete: true })!;
    expect(decoded.header.alg).toBe('HS256');
    const payload = decoded.payload as jwt.JwtPayload;
    expect(payload).toMatchObject({ sub: 'alice', iss: 'vidgate-test', aud: 'vidgate-test-api' });
    expect(payload.exp! - payload.iat!).toBe(120);
  });

  it('accepts a hand-made HS256 token with the right claims (so the refusals below are about one thing each)', () => {
    expect(verifyToken(jwtConfig, hs256({ alg: 'HS256', typ: 'JWT' }, claims()))).toEqual({ sub: 'alice', role: 'admin', premium: true, groups: [] });
  });

  it('reads an unknown role as user and a non-boolean premium as false', () => {
    expect(verifyToken(jwtConfig, hs256({ alg: 'HS256', typ: 'JWT' }, claims({ role: 'root', premium: 'yes' })))).toEqual({ sub: 'alice', role: 'user', premium: false, groups: [] });
  });
});

describe('verifyToken refuses', () => {
  it('alg "none" with an empty signature', () => {
    expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`);
  });

  it('alg "none" with no third part at all', () => {
    expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}`);
  });

  it('HS512 signed with the same secret', () => {
    const token = jwt.sign({ role: 'admin', premium: true }, SECRET, { algorithm: 'HS512', subject: 'alice', issuer: jwtConfig.issuer, audience: jwtConfig.audience, expiresIn: 600 });
    expect(expectRefused(token).message).toMatch(/algorithm/);
  });

  it('an RS256 header over an HMAC signature (algorithm confusion)', () => {
    expect(expectRefused(hs256({ alg: 'RS256', typ: 'JWT' }, claims())).message).toMatch(/algorithm/);
  });

  it('a wrong issuer', () => {
    expect(expectRefused(hs256({ alg: 'HS256', typ: 'JWT' }, claims({ iss: 'someone-else' }))).message).toMatch(/issuer/);
  });

  it('a wrong audience', () => {
    expect(expectRefused(hs256({ alg: 'HS256', typ: 'JWT' }, claims({ aud: 'another-api' }))).message).toMatch(/audience/);
  });

  it('an expired token', () => {
    expect(expectRefused(hs256({ alg: 'HS256', typ: 'JWT' }, claims({ iat: now() - 120, exp: now() - 60 }))).message).toMatch(/expired/);
  });

  it('a token without an expiry', () => {
    const { exp: _exp, ...noExp } = claims();
    expect(expectRefused(hs256({ alg: 'HS256', typ: 'JWT' }, noExp)).message).toMatch(/expiry/);
  });

  it('a tampered payload (user promoted to admin, signature kept)', () => {
    const [header, , signature] = issueToken(jwtConfig, { sub: 'bob', role: 'user', premium: false }).split('.');
    expectRefused(`${header}.${b64(claims({ sub: 'bob', role: 'admin' }))}.${signature}`);
  });

  it('a token signed with another secret', () => {
    const other = loadAuthConfig({ VIDGATE_JWT_SECRET: 'another-secret-that-is-long-enough-000000', VIDGATE_JWT_ISSUER: 'vidgate-test', VIDGATE_JWT_AUDIENCE: 'vidgate-test-api' }).jwt;
    expect(expectRefused(issueToken(other, { sub: 'alice', role: 'admin', premium: false })).message).toMatch(/signature/);
  });

  it('a missing or empty subject', () => {
    const { sub: _sub, ...noSub } = claims();
    expect(expectRefused(hs256({ alg: 'HS256', typ: 'JWT' }, noSub)).message).toMatch(/subject/);
    expectRefused(hs256({ alg: 'HS256', typ: 'JWT' }, claims({ sub: '' })));
    expectRefused(hs256({ alg: 'HS256', typ: 'JWT' }, claims({ sub: 42 })));
  });

  it('a payload that is not a JSON object', () => {
    const signingInput = `${b64({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from('"alice"').toString('base64url')}`;
    expectRefused(`${signingInput}.${createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`);
  });

  it.each(['', 'not-a-jwt', 'a.b.c', '..'])('garbage %j', (token) => {
    expectRefused(token);
  });
});
