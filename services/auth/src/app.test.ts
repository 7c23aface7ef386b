import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../test/support/unit-database-context.ts';
import { loadAuthConfig, type AuthConfig } from './auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import { createLogger, type Logger } from '@vidgate/common/logger';
import { createAuditLog } from '@vidgate/common/audit';
import { createPool } from '@vidgate/common/database/pool';
import { createMinioStore, minioClient } from '@vidgate/common/minio-store';
import { createVideoStore } from '@vidgate/common/video-store';
import type { ObjectStore } from '@vidgate/common/object-store';
import { memoryObjectStore } from '@vidgate/common/memory-object-store';
import { createUrlSigner } from '@vidgate/common/url-signer';
import { createMinioUploadStorage } from './uploads/upload-storage.ts';
import { createApp } from './app.ts';
import { errorHandler } from '@vidgate/common/http-errors';
import { issueToken } from './jwt.ts';

const TEST_ENV = {
  VIDGATE_SIGNING_KEYS: 'k1:app-test-signing-key-0123456789abcdefghij',
  VIDGATE_JWT_SECRET: 'app-test-jwt-secret-0123456789abcdefghijklm',
  VIDGATE_PUBLIC_URL: 'https://media.example.test',
  VIDGATE_SIGN_DEFAULT_TTL: '300',
  VIDGATE_SIGN_MAX_TTL: '3600',
  VIDGATE_LOG_LEVEL: 'silent',
};
const config = loadAuthConfig(TEST_ENV);
const silent = createLogger({ name: 'test', level: 'silent' });


// The unit project's PostgreSQL (test/support/unit-database.ts).
const pool = createPool(unitDatabase());
afterAll(() => pool.end());
const videos = createVideoStore(pool);
const audit = createAuditLog(pool);

function build(options: { config?: AuthConfig; store?: ObjectStore; logger?: Logger } = {}) {
  return createApp(options.config ?? config, { store: options.store ?? memoryObjectStore(), videos, uploads: createMinioUploadStorage(options.config ?? config), logger: options.logger ?? silent, audit });
}

const app = build();
const admin = `Bearer ${issueToken(config.jwt, { sub: 'ops', role: 'admin', premium: false })}`;
const user = `Bearer ${issueToken(config.jwt, { sub: 'alice', role: 'user', premium: true })}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Every error body has exactly { error, message }, and a 5xx message says nothing internal. */
function expectError(res: request.Response, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(Object.keys(res.body).sort()).toEqual(['error', 'message']);
  expect(res.body.error).toBe(code);
  expect(typeof res.body.message).toBe('string');
  expect(res.body.message).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

const sign = (body: unknown, authorization = admin) => request(app).post('/v1/sign').set('Authorization', authorization).send(body as object);

describe('health', () => {
  it('GET /healthz answers 200 while the process runs', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', pid: process.pid });
  });

  it('GET /readyz answers 200 when the store answers', async () => {
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  it('GET /readyz answers 503 not_ready, quickly and without internals, when MinIO is unreachable', async () => {
    const unreachable = loadAuthConfig({ ...TEST_ENV, VIDGATE_MINIO_ENDPOINT: 'http://127.0.0.1:1' });
    const store = createMinioStore(minioClient(unreachable.minio, unreachable.minio.auth), unreachable.minio.bucket);
    const started = Date.now();
    const res = await request(build({ config: unreachable, store })).get('/readyz');
    expect(Date.now() - started).toBeLessThan(5_000);
    expectError(res, 503, 'not_ready');
    expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/i);
  });

  it('GET /readyz answers 503 when the store refuses', async () => {
    const store = { ...memoryObjectStore(), ping: () => Promise.reject(new AppError('storage_unavailable', 'bucket media does not exist')) };
    expectError(await request(build({ store })).get('/readyz'), 503, 'not_ready');
  });
});

describe('POST /v1/sign: who may sign', () => {
  it('needs an Authorization header (401 token_missing)', async () => {
    expectError(await request(app).post('/v1/sign').send({ objectKey: 'demo/a.ts' }), 401, 'token_missing');
  });

  it.each(['Basic b3BzOnNlY3JldA==', 'Bearer', 'Bearer ', `${admin} extra`])('refuses a header that is not "Bearer <token>": %j', async (header) => {
    expectError(await sign({ objectKey: 'demo/a.ts' }, header), 401, 'token_missing');
  });

  it.each([
    ['a malformed token', 'Bearer not-a-jwt'],
    ['an alg "none" token', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'ops', role: 'admin', iss: 'vidgate', aud: 'vidgate-api', exp: nowSeconds() + 600 })}.`],
    ['an expired token', `Bearer ${issueToken(config.jwt, { sub: 'ops', role: 'admin', premium: false }, -60)}`],
    ['a token signed with another secret', `Bearer ${issueToken({ ...config.jwt, secret: 'another-secret-0123456789abcdefghijklmnop' }, { sub: 'ops', role: 'admin', premium: false })}`],
  ])('refuses %s (401 token_invalid)', async (_what, header) => {
    expectError(await sign({ objectKey: 'demo/a.ts' }, header), 401, 'token_invalid');
  });

  it('refuses a user token (403 forbidden)', async () => {
    expectError(await sign({ objectKey: 'demo/a.ts', ttl: 60 }, user), 403, 'forbidden');
  });
});

describe('POST /v1/sign: what is signed', () => {
  it('mints a URL for an admin that the signer verifies, expiring after ttl', async () => {
    const before = nowSeconds();
    const res = await sign({ objectKey: 'demo/a.ts', ttl: 60 });
    const after = nowSeconds();
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ url: expect.any(String), expiresAt: expect.any(String), kid: 'k1' });
    expect(res.body.url.startsWith(`${config.publicUrl}/media/demo/a.ts?`)).toBe(true);

    const exp = Date.parse(res.body.expiresAt) / 1000;
    expect(exp).toBeGreaterThanOrEqual(before + 60);
    expect(exp).toBeLessThanOrEqual(after + 60);

    const [path, query] = res.body.url.slice(config.publicUrl.length).split('?') as [string, string];
    expect(query).toMatch(new RegExp(`^exp=${exp}&kid=k1&sig=[A-Za-z0-9_-]{43}$`));
    const signer = createUrlSigner(config.signing);
    expect(signer.verify(path, query)).toEqual({ ok: true, exp, kid: 'k1' });
    expect(signer.verify('/media/demo/b.ts', query)).toMatchObject({ ok: false, error: 'signature_invalid' });
    expect(signer.verify(path, query, exp)).toMatchObject({ ok: false, status: 410, error: 'signature_expired' });
  });

  it('uses VIDGATE_SIGN_DEFAULT_TTL when no ttl is given and accepts exactly the maximum', async () => {
    const before = nowSeconds();
    const byDefault = await sign({ objectKey: 'demo/master.m3u8' });
    expect(byDefault.status).toBe(201);
    expect(Date.parse(byDefault.body.expiresAt) / 1000 - before).toBeGreaterThanOrEqual(300);
    expect(Date.parse(byDefault.body.expiresAt) / 1000 - before).toBeLessThanOrEqual(301);
    expect((await sign({ objectKey: 'demo/a.ts', ttl: 3600 })).status).toBe(201);
  });

  it.each([
    ['a ".." segment', '../x'],
    ['a "." segment', 'a/./b'],
    ['a double slash', 'a//b'],
    ['a leading slash', '/a'],
    ['a trailing slash', 'a/'],
    ['a percent-encoded slash', 'a%2Fb'],
    ['a space', 'a b'],
    ['a control character', 'a\u0001b'],
    ['a newline', 'a\nb'],
    ['a query', 'a?b'],
    ['a non-ASCII letter', 'vidéo.ts'],
    ['nothing', ''],
    ['2000 characters', 'x'.repeat(2000)],
  ])('refuses an object key with %s (400 object_key_invalid)', async (_what, objectKey) => {
    expectError(await sign({ objectKey, ttl: 60 }), 400, 'object_key_invalid');
  });

  it.each([
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['a string', '60'],
    ['null', null],
    ['1e300', 1e300],
  ])('refuses a ttl of %s (400 invalid_body)', async (_what, ttl) => {
    const res = await sign({ objectKey: 'demo/a.ts', ttl });
    expectError(res, 400, 'invalid_body');
    expect(res.body.message).toMatch(/^ttl: /);
  });

  it('refuses a ttl above VIDGATE_SIGN_MAX_TTL (400 ttl_invalid)', async () => {
    const res = await sign({ objectKey: 'demo/a.ts', ttl: 3601 });
    expectError(res, 400, 'ttl_invalid');
    expect(res.body.message).toContain('3600');
  });

  it.each([
    ['no objectKey', {}],
    ['a numeric objectKey', { objectKey: 42 }],
  ])('refuses a body with %s (400 invalid_body)', async (_what, body) => {
    expectError(await sign(body), 400, 'invalid_body');
  });

  it.each([
    ['invalid JSON', '{"objectKey": "demo/a.ts",'],
    ['a bare null', 'null'],
    ['an array', '[]'],
    ['a JSON string', '"demo/a.ts"'],
  ])('refuses %s as a body (400 invalid_body)', async (_what, text) => {
    const res = await request(app).post('/v1/sign').set('Authorization', admin).set('Content-Type', 'application/json').send(text);
    expectError(res, 400, 'invalid_body');
  });

  it('answers a body that does not decompress with 400, not 500', async () => {
    const res = await request(app).post('/v1/sign').set('Authorization', admin).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('not gzip at all');
    expectError(res, 400, 'bad_request');
  });

  it('refuses a body above 64 kB (413) and an unknown charset (415)', async () => {
    const big = await request(app).post('/v1/sign').set('Authorization', admin).set('Content-Type', 'application/json').send(JSON.stringify({ objectKey: 'a', pad: 'x'.repeat(70_000) }));
    expectError(big, 413, 'payload_too_large');
    const charset = await request(app).post('/v1/sign').set('Authorization', admin).set('Content-Type', 'application/json; charset=koi8-r').send('{}');
    expectError(charset, 415, 'unsupported_media_type');
  });

  it('mints md5=…&expires=…&kid=… URLs that verify in md5 mode', async () => {
    const md5Config = loadAuthConfig({ ...TEST_ENV, VIDGATE_SIGN_MODE: 'md5' });
    const before = nowSeconds();
    const res = await request(build({ config: md5Config })).post('/v1/sign').set('Authorization', admin).send({ objectKey: 'demo/a.ts', ttl: 60 });
    expect(res.status).toBe(201);
    expect(res.body.url.startsWith(`${md5Config.publicUrl}/media/demo/a.ts?`)).toBe(true);
    const [path, query] = res.body.url.slice(md5Config.publicUrl.length).split('?') as [string, string];
    const match = /^md5=[A-Za-z0-9_-]{22}&expires=(\d+)&kid=k1$/.exec(query);
    expect(match, query).not.toBeNull();
    expect(Number(match![1]) - before).toBeGreaterThanOrEqual(60);
    expect(Number(match![1]) - before).toBeLessThanOrEqual(61);
    expect(createUrlSigner(md5Config.signing).verify(path, query)).toMatchObject({ ok: true, kid: 'k1' });
    expect(createUrlSigner(md5Config.signing).verify('/media/demo/b.ts', query)).toMatchObject({ ok: false });
  });
});

describe('errors', () => {
  it.each([
    ['GET', '/nope'],
    ['GET', '/v1/sign'],
    ['DELETE', '/healthz'],
    ['GET', '/media/demo/a.ts'],
  ])('answers %s %s with 404 not_found', async (method, path) => {
    const res = await request(app)[method.toLowerCase() as 'get' | 'delete'](path);
    expectError(res, 404, 'not_found');
  });

  it('renders a 5xx with a generic message: no stack, no cause, no details', async () => {
    const broken = express()
      .get('/thrown', () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:9000 at /srv/vidgate/secret.ts');
      })
      .get('/storage', () => {
        throw new AppError('storage_unavailable', 'object storage is unavailable', { cause: 'ECONNREFUSED 10.0.0.7:9000' });
      })
      .use(errorHandler());
    const thrown = await request(broken).get('/thrown');
    expectError(thrown, 500, 'internal');
    expect(thrown.body.message).toBe('the service could not complete the request');
    const storage = await request(broken).get('/storage');
    expectError(storage, 502, 'storage_unavailable');
    for (const res of [thrown, storage]) expect(res.text).not.toMatch(/ECONNREFUSED|10\.0\.0\.7|secret|Error:/);
  });
});

describe('request log', () => {
  it('logs one line per request without the bearer token or URL signatures', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const logged = build({ logger: createLogger({ name: 'test', level: 'info', destination }) });
    const token = admin.slice('Bearer '.length);
    await request(logged).post('/v1/sign').set('Authorization', admin).set('Cookie', 'session=cookie-value').send({ objectKey: 'demo/a.ts', ttl: 60 });
    await request(logged).get('/healthz?exp=1&kid=k1&sig=SIGNATURE-VALUE&token=TOKEN-VALUE');
    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const secret of [token, token.split('.')[2]!, 'cookie-value', 'SIGNATURE-VALUE', 'TOKEN-VALUE']) expect(text).not.toContain(secret);
    const records = lines.map((l) => JSON.parse(l) as { req?: { url?: string }; res?: { status?: number } });
    expect(records.map((r) => r.req?.url)).toEqual(expect.arrayContaining(['/v1/sign', '/healthz?exp=1&kid=k1&sig=[redacted]&token=[redacted]']));
    expect(records.map((r) => r.res?.status)).toEqual(expect.arrayContaining([201, 200]));
  });
});
