import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../auth-config.ts';
import { verifyToken } from '../jwt.ts';
import { demoLoginRoutes } from './demo-login.ts';

const config = loadAuthConfig({ VIDGATE_JWT_SECRET: 'demo-login-test-secret-0123456789abcdefghij', VIDGATE_SIGNING_KEYS: 'k1:demo-login-test-signing-key-0123456789ab', VIDGATE_PUBLIC_URL: 'http://127.0.0.1:8080' });
const app = express().use(demoLoginRoutes(config));
const login = (cookie?: string) => {
  const req = request(app).post('/v1/demo/login');
  return cookie ? req.set('Cookie', cookie) : req;
};
const cookieOf = (res: request.Response) => (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;

describe('POST /v1/demo/login', () => {
  it('gives each browser an identity of its own, kept in an HttpOnly cookie', async () => {
    const first = await login();
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    const setCookie = (first.headers['set-cookie'] as unknown as string[])[0]!;
    expect(setCookie).toMatch(/^vidgate_demo=[^;]+; Max-Age=2592000; Path=\/v1\/demo\/; HttpOnly; SameSite=Strict$/);
    expect(first.body.sub).toMatch(/^demo-[A-Za-z0-9_-]{12}$/);
    expect(verifyToken(config.jwt, first.body.token)).toEqual({ sub: first.body.sub, role: 'user', premium: false, groups: [] });

    const other = await login();
    expect(other.body.sub).not.toBe(first.body.sub);

    const again = await login(cookieOf(first));
    expect(again.body.sub).toBe(first.body.sub);
    expect(again.body.token).not.toBe('');
  });

  it('makes a new identity for a forged, foreign or malformed cookie, and never accepts the cookie as a token', async () => {
    const genuine = cookieOf(await login());
    const value = genuine.slice('vidgate_demo='.length);
    const [header, payload, signature] = value.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'demo-AAAAAAAAAAAA' })).toString('base64url')}.${signature}`;
    const foreign = loadAuthConfig({ VIDGATE_JWT_SECRET: 'another-secret-0123456789abcdefghijklmnopq', VIDGATE_SIGNING_KEYS: 'k1:demo-login-test-signing-key-0123456789ab' });
    const elsewhere = cookieOf(await request(express().use(demoLoginRoutes(foreign))).post('/v1/demo/login'));
    for (const cookie of [`vidgate_demo=${forged}`, elsewhere, 'vidgate_demo=x.y.z', 'vidgate_demo=']) {
      const res = await login(cookie);
      expect(res.status).toBe(200);
      expect(res.body.sub).not.toBe('demo-AAAAAAAAAAAA');
      expect(res.body.sub).not.toBe(claims.sub);
    }
    expect(() => verifyToken(config.jwt, value)).toThrow(/audience/);
  });
});
