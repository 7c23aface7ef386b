import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdentityProvider, TEST_AUDIENCE, type TestIdentityProvider } from '../../../../test/support/oidc-provider.ts';
import { unitDatabase } from '../../../../test/support/unit-database-context.ts';
import { createAuditLog } from '@vidgate/common/audit';
import { createPool } from '@vidgate/common/database/pool';
import { createLogger } from '@vidgate/common/logger';
import { memoryObjectStore } from '@vidgate/common/memory-object-store';
import { createVideoStore } from '@vidgate/common/video-store';
import { createApp } from '../app.ts';
import { loadAuthConfig } from '../auth-config.ts';
import { createMinioUploadStorage } from '../uploads/upload-storage.ts';

// The whole auth service with an identity provider configured: its routes take
// the provider's tokens, roles come from groups, and every route shares one
// copy of the provider's keys.
const pool = createPool(unitDatabase());
let idp: TestIdentityProvider;

function build(issuer: string) {
  const config = loadAuthConfig({
    VIDGATE_SIGNING_KEYS: 'k1:oidc-app-test-signing-key-0123456789abcd',
    VIDGATE_JWT_SECRET: 'oidc-app-test-jwt-secret-0123456789abcdefgh',
    VIDGATE_OIDC_ISSUER: issuer,
    VIDGATE_OIDC_AUDIENCE: TEST_AUDIENCE,
    VIDGATE_OIDC_USER_CLAIM: 'preferred_username',
    VIDGATE_LOG_LEVEL: 'silent',
  });
  return createApp(config, { store: memoryObjectStore(), videos: createVideoStore(pool), uploads: createMinioUploadStorage(config), logger: createLogger({ name: 'test', level: 'silent' }), audit: createAuditLog(pool) });
}

beforeAll(async () => {
  idp = await startTestIdentityProvider();
}, 60_000);
afterAll(async () => {
  await idp?.stop();
  await pool.end();
});

describe('the auth service with an identity provider', () => {
  it('lets the admin group sign, refuses editors (403), lists an editor\'s videos, with one fetch of the keys for all routes', async () => {
    const app = build(idp.issuer);
    const [ops, alice] = await Promise.all([idp.accessToken('ops', { kind: 'ES256' }), idp.accessToken('alice')]);
    const before = { ...idp.fetches };
    const signed = await request(app).post('/v1/sign').set('Authorization', `Bearer ${ops}`).send({ objectKey: 'demo/a.ts', ttl: 60 });
    expect(signed.status, JSON.stringify(signed.body)).toBe(201);
    const refused = await request(app).post('/v1/sign').set('Authorization', `Bearer ${alice}`).send({ objectKey: 'demo/a.ts' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('forbidden');
    const list = await request(app).get('/v1/videos').set('Authorization', `Bearer ${alice}`);
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(idp.fetches).toEqual({ discovery: before.discovery + 1, jwks: before.jwks + 1 });
  });

  it('answers 503 unavailable with Retry-After and no internals while the provider is down', async () => {
    const app = build(idp.issuer);
    const token = await idp.accessToken('alice');
    idp.setDown(true);
    try {
      const res = await request(app).get('/v1/videos').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({ error: 'unavailable', message: 'the service could not complete the request' });
      expect((await request(app).get('/metrics')).text).toMatch(/^vidgate_tokens_checked_total\{outcome="unavailable"\} 1$/m);
    } finally {
      idp.setDown(false);
    }
  });

  it('counts tokens by outcome and its refusals by route and error code where Prometheus reads them', async () => {
    const app = build(idp.issuer);
    const alice = await idp.accessToken('alice');
    const forged = `${alice.slice(0, -4)}${alice.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect((await request(app).get('/v1/videos').set('Authorization', `Bearer ${forged}`)).status).toBe(401);
    expect((await request(app).get('/v1/videos')).status).toBe(401);
    expect((await request(app).post('/v1/sign').set('Authorization', `Bearer ${alice}`).send({ objectKey: 'demo/a.ts' })).status).toBe(403);
    expect((await request(app).get('/v1/videos').set('Authorization', `Bearer ${alice}`)).status).toBe(200);
    const text = (await request(app).get('/metrics')).text;
    // Tokens: the forged one refused; Alice's accepted twice (the 403 is her role's, not her token's); the missing one is no token.
    expect(text.split('\n').filter((line) => line.startsWith('vidgate_tokens_checked_total{')).sort()).toEqual([
      'vidgate_tokens_checked_total{outcome="accepted"} 2',
      'vidgate_tokens_checked_total{outcome="token_invalid"} 1',
      'vidgate_tokens_checked_total{outcome="unavailable"} 0',
    ]);
    const errors = text.split('\n').filter((line) => line.startsWith('vidgate_http_errors_total{'));
    expect(errors.sort()).toEqual([
      'vidgate_http_errors_total{route="/v1/sign",code="forbidden"} 1',
      'vidgate_http_errors_total{route="/v1/videos",code="token_invalid"} 1',
      'vidgate_http_errors_total{route="/v1/videos",code="token_missing"} 1',
    ]);
  });
});
