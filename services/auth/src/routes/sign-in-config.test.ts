import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../auth-config.ts';
import { signInConfigRoutes } from './sign-in-config.ts';

const ENV = { VIDGATE_JWT_SECRET: 'sign-in-config-test-secret-0123456789abcd', VIDGATE_SIGNING_KEYS: 'k1:sign-in-config-test-signing-key-012345' };
const OIDC = { VIDGATE_OIDC_ISSUER: 'https://sso.example.com/realms/video', VIDGATE_OIDC_AUDIENCE: 'vidgate-api' };
const ask = (env: Record<string, string>) => request(express().use(signInConfigRoutes(loadAuthConfig({ ...ENV, ...env })))).get('/v1/auth/config');

describe('GET /v1/auth/config', () => {
  it('names the provider and the pages\' public client when both are configured, and nothing secret', async () => {
    const res = await ask({ ...OIDC, VIDGATE_OIDC_CLIENT_ID: 'vidgate-web', VIDGATE_DEMO_LOGIN: 'false' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toEqual({ oidc: { issuer: 'https://sso.example.com/realms/video', clientId: 'vidgate-web', scope: 'openid profile' }, demoLogin: false });
    expect(JSON.stringify(res.body)).not.toContain(ENV.VIDGATE_JWT_SECRET);
  });

  it('has no provider for the pages without a client id (API tokens only), and says where the demo login is', async () => {
    expect((await ask(OIDC)).body).toEqual({ oidc: null, demoLogin: true });
    expect((await ask({})).body).toEqual({ oidc: null, demoLogin: true });
    expect((await ask({ VIDGATE_DEMO_LOGIN: 'false' })).body).toEqual({ oidc: null, demoLogin: false });
  });
});
