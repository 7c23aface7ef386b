import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../../test/support/unit-database-context.ts';
import { loadAuthConfig } from '../auth-config.ts';
import { createApp } from '../app.ts';
import { createLogger } from '@vidgate/common/logger';
import { memoryObjectStore } from '@vidgate/common/memory-object-store';
import { createUrlSigner, nowSeconds } from '@vidgate/common/url-signer';
import { videoKeys, type Video } from '@vidgate/common/video';
import { createAuditLog } from '@vidgate/common/audit';
import { createPool } from '@vidgate/common/database/pool';
import { createVideoStore } from '@vidgate/common/video-store';
import { issueToken } from '../jwt.ts';
import type { UploadedPart, UploadStorage } from '../uploads/upload-storage.ts';
import { openApiDocument } from './openapi-document.ts';

const MIB = 1024 * 1024;
const config = loadAuthConfig({
  VIDGATE_SIGNING_KEYS: 'k1:openapi-test-signing-key-0123456789abcdefgh',
  VIDGATE_JWT_SECRET: 'openapi-test-jwt-secret-0123456789abcdefghijk',
  VIDGATE_PUBLIC_URL: 'https://media.example.test',
  VIDGATE_UPLOAD_MULTIPART_THRESHOLD: String(5 * MIB),
  VIDGATE_UPLOAD_PART_SIZE: String(5 * MIB),
  VIDGATE_LOG_LEVEL: 'silent',
});
const document = openApiDocument(config);

/** Uploaded parts by video id. */
const parts = new Map<string, UploadedPart[]>();
const urls = {
  put: async () => `${config.publicUrl}/media/put?X-Amz-Signature=put`,
  post: async () => ({ url: `${config.publicUrl}/media`, fields: { key: 'k', policy: 'p' } }),
  part: async (_id: string, part: { partNumber: number }) => `${config.publicUrl}/media/part?partNumber=${part.partNumber}`,
};
const uploads: UploadStorage = {
  urls: async () => urls,
  createMultipart: async (id) => (parts.set(id, []), `upload-${id}`),
  listParts: async (id) => parts.get(id) ?? [],
  completeMultipart: async () => {},
  abortMultipart: async () => {},
  revokeUrls: async () => {},
};
const store = memoryObjectStore();
// The unit project's PostgreSQL (test/support/unit-database.ts).
const pool = createPool(unitDatabase());
afterAll(() => pool.end());
const videos = createVideoStore(pool);
const app = createApp(config, { store, videos, uploads, logger: createLogger({ name: 'test', level: 'silent' }), audit: createAuditLog(pool) });
const bearer = (sub: string, role: 'user' | 'admin' = 'user') => `Bearer ${issueToken(config.jwt, { sub, role, premium: false })}`;
const alice = bearer('alice');

interface Layer { route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: Layer[] }; slash?: boolean; rawPath?: unknown }

/** Every route express registers, as "METHOD /v1/path/{param}" (OpenAPI's templates); nested routers must be mounted at the root. */
function registeredRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/[:*](\w+)/g, '{$1}')}`);
    if (!layer.handle.stack) return [];
    expect(layer.slash, `a router mounted at ${String(layer.rawPath)}`).toBe(true);
    return registeredRoutes(layer.handle.stack);
  });
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'openapi');
const pointer = (...tokens: string[]) => tokens.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Checks a response against the documented operation: its status is listed, and a JSON body matches the schema. */
function expectDocumented(res: request.Response, method: string, path: string) {
  const responses = document.paths?.[path]?.[method as 'get']?.responses;
  expect(responses, `${method} ${path} is documented`).toBeDefined();
  const documented = responses![String(res.status)];
  expect(documented, `${method.toUpperCase()} ${path} documents ${res.status}: ${JSON.stringify(res.body)}`).toBeDefined();
  const content = documented.content ?? {};
  if (!content['application/json']) return expect(res.headers['content-type'] ?? '').not.toMatch(/json/);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const validate = ajv.compile({ $ref: `openapi#/${pointer('paths', path, method, 'responses', String(res.status), 'content', 'application/json', 'schema')}` });
  expect(validate(res.body), `${method.toUpperCase()} ${path} ${res.status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(res.body)}`).toBe(true);
}

const videoOf = (id: string, fields: Partial<Video>): Video => ({
  id, owner: 'alice', title: id, description: '', visibility: 'private', allowedUsers: [], allowedGroups: [], status: 'ready', progress: 1, renditions: [], captions: [],
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...fields,
});

describe('the OpenAPI document', () => {
  it('describes exactly the /v1 routes express registers, with the same methods', () => {
    const registered = registeredRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack).filter((r) => r.includes(' /v1/'));
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) => ['get', 'put', 'post', 'delete', 'patch'].filter((m) => m in item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual([...new Set(registered)].sort());
  });

  it('leaves out the demo login where it is not registered', () => {
    expect(Object.keys(openApiDocument({ ...config, playback: { ...config.playback, demoLogin: false } }).paths ?? {})).not.toContain('/v1/demo/login');
  });

  it('is valid OpenAPI 3.1 whose references all resolve', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('is served at GET /v1/openapi.json', async () => {
    const res = await request(app).get('/v1/openapi.json');
    expectDocumented(res, 'get', '/v1/openapi.json');
    expect(res.body).toEqual(JSON.parse(JSON.stringify(document)));
  });
});

describe('responses of the app match the document', () => {
  const signer = createUrlSigner(config.signing);
  beforeAll(async () => {
    const renditions = [{ kind: 'video' as const, name: '360p', width: 640, height: 360, bandwidth: 800_000 }, { kind: 'audio' as const, name: 'audio', bandwidth: 75_000, audioBitrate: 64_000 }];
    await videos.create(videoOf('ready1', { visibility: 'public', durationSeconds: 12, renditions }));
    await videos.create(videoOf('failed1', { status: 'failed', progress: 0, failureReason: 'not a video' }));
    await videos.create(videoOf('processing1', { status: 'processing', progress: 0.5, visibility: 'public' }));
    await videos.create(videoOf('bobs', { owner: 'bob' }));
    await videos.create(videoOf('storyboard1', { visibility: 'public', durationSeconds: 2, hasStoryboard: true }));
    await store.putText(videoKeys.storyboard('storyboard1'), 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nstoryboard-0.jpg#xywh=0,0,160,90\n', 'text/vtt');
    await store.putText(videoKeys.master('ready1'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/index.m3u8\n', 'application/vnd.apple.mpegurl');
  });

  it.each([
    ['get', '/v1/videos', '/v1/videos', alice],
    ['get', '/v1/videos', '/v1/videos', undefined],
    ['get', '/v1/videos', '/v1/videos?limit=1&status=failed', alice],
    ['get', '/v1/videos', '/v1/videos?limit=1', alice],
    ['get', '/v1/videos', '/v1/videos?limit=101', alice],
    ['get', '/v1/videos', '/v1/videos?cursor=bm90LWEtY3Vyc29y', alice],
    ['get', '/v1/videos', '/v1/videos?page=2', alice],
    ['get', '/v1/videos/{id}', '/v1/videos/failed1', alice],
    ['get', '/v1/videos/{id}', '/v1/videos/ready1', bearer('carol')],
    ['get', '/v1/videos/{id}', '/v1/videos/bobs', alice],
    ['get', '/v1/videos/{id}', '/v1/videos/nope', alice],
    ['get', '/v1/videos/{id}', '/v1/videos/%E0%A4%A', alice],
    ['get', '/v1/videos/{id}/playback', '/v1/videos/ready1/playback', bearer('carol')],
    ['get', '/v1/videos/{id}/playback', '/v1/videos/processing1/playback', alice],
    ['get', '/v1/videos/{id}/playback', '/v1/videos/ready1/playback', undefined],
    ['get', '/v1/videos/{id}/playback', '/v1/videos/ready1/playback', 'Bearer not.a.jwt'],
    ['get', '/v1/hls/{id}/{rest}', '/v1/hls/ready1/master.m3u8', undefined],
    ['get', '/v1/hls/{id}/{rest}', '/v1/hls/ready1/master.m3u8?exp=1&kid=k1&sig=AAAA', undefined],
    ['get', '/v1/videos/{id}/playback', '/v1/videos/storyboard1/playback', alice],
    ['get', '/v1/storyboards/{id}.vtt', '/v1/storyboards/storyboard1.vtt', undefined],
    ['get', '/v1/storyboards/{id}.vtt', '/v1/storyboards/storyboard1.vtt?exp=1&kid=k1&sig=AAAA', undefined],
    ['get', '/v1/proxy/videos/{id}/{rest}', '/v1/proxy/videos/nope/master.m3u8', alice],
    ['get', '/v1/proxy/videos/{id}/{rest}', '/v1/proxy/videos/bobs/master.m3u8', alice],
    ['post', '/v1/demo/login', '/v1/demo/login', undefined],
    ['get', '/v1/auth/config', '/v1/auth/config', undefined],
  ])('%s %s (%s)', async (method, path, target, authorization) => {
    const req = request(app)[method as 'get'](target);
    expectDocumented(await (authorization ? req.set('Authorization', authorization) : req), method, path);
  });

  it('GET /v1/hls/{id}/{rest} with a valid signature', async () => {
    const res = await request(app).get(signer.signPath('/v1/hls/ready1/master.m3u8', nowSeconds() + 60));
    expect(res.status).toBe(200);
    expectDocumented(res, 'get', '/v1/hls/{id}/{rest}');
  });

  it('GET /v1/storyboards/{id}.vtt with a valid signature, and without a storyboard', async () => {
    const res = await request(app).get(signer.signPath('/v1/storyboards/storyboard1.vtt', nowSeconds() + 60));
    expect(res.status).toBe(200);
    expect(document.paths?.['/v1/storyboards/{id}.vtt']?.get?.responses?.[200]?.content).toHaveProperty(res.headers['content-type']!.split(';')[0]!);
    expectDocumented(await request(app).get(signer.signPath('/v1/storyboards/ready1.vtt', nowSeconds() + 60)), 'get', '/v1/storyboards/{id}.vtt');
  });

  it.each([
    ['put', '/v1/videos/ready1/captions/en', 'text/vtt', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n'],
    ['put', '/v1/videos/ready1/captions/en?label=Mine', 'text/vtt', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n'],
    ['put', '/v1/videos/ready1/captions/de', 'text/vtt', 'not WebVTT'],
    ['put', '/v1/videos/ready1/captions/de', 'text/plain', 'WEBVTT\n'],
    ['put', '/v1/videos/ready1/captions/no_tag', 'text/vtt', 'WEBVTT\n'],
    ['put', '/v1/videos/processing1/captions/en', 'text/vtt', 'WEBVTT\n'],
    ['put', '/v1/videos/bobs/captions/en', 'text/vtt', 'WEBVTT\n'],
    ['get', '/v1/videos/ready1/captions', '', ''],
    ['get', '/v1/videos/nope/captions', '', ''],
    ['delete', '/v1/videos/ready1/captions/en', '', ''],
  ])('%s %s (%s)', async (method, target, type, body) => {
    const path = target.replace(/\/v1\/videos\/[^/]+/, '/v1/videos/{id}').replace(/captions\/[^?]+(\?.*)?$/, 'captions/{language}');
    const req = request(app)[method as 'put'](target).set('Authorization', alice);
    expectDocumented(await (type ? req.set('Content-Type', type).send(body) : req), method, path);
  });

  const admin = bearer('ops', 'admin');
  it.each([
    ['signed', { objectKey: 'demo/a.ts', ttl: 60 }, admin],
    ['a ".." segment', { objectKey: '../a.ts' }, admin],
    ['a key of 1024 characters, too long once under /media/', { objectKey: 'k'.repeat(1024) }, admin],
    ['a ttl above the maximum', { objectKey: 'a.ts', ttl: 10 ** 9 }, admin],
    ['no objectKey', { ttl: 'soon' }, admin],
    ['a body over 64 kB', { objectKey: 'x'.repeat(70_000) }, admin],
    ['a user', { objectKey: 'demo/a.ts' }, alice],
  ])('POST /v1/sign: %s', async (_what, body, authorization) => {
    expectDocumented(await request(app).post('/v1/sign').set('Authorization', authorization).send(body), 'post', '/v1/sign');
  });

  it.each([
    ['/v1/audit', bearer('ops', 'admin')],
    ['/v1/audit?limit=1&action=playback.granted&from=2026-01-01T00:00:00Z', bearer('ops', 'admin')],
    ['/v1/audit?limit=101', bearer('ops', 'admin')],
    ['/v1/audit?from=yesterday', bearer('ops', 'admin')],
    ['/v1/audit?page=2', bearer('ops', 'admin')],
    ['/v1/audit', alice],
    ['/v1/audit', undefined],
  ])('GET %s (%s)', async (target, authorization) => {
    const req = request(app).get(target);
    expectDocumented(await (authorization ? req.set('Authorization', authorization) : req), 'get', '/v1/audit');
  });

  it.each([
    { fileName: 'a.mp4', size: 1000, contentType: 'video/mp4' },
    { fileName: 'a.mp4', size: 1000, contentType: 'text/plain' },
    { fileName: 'a.mp4', size: Number.MAX_SAFE_INTEGER, contentType: 'video/mp4' },
    { fileName: 'a/b.mp4', size: 1000, contentType: 'video/mp4' },
    { fileName: 'a.mp4', size: 1000, contentType: 'video/mp4', title: 'NUL\u0000inside' },
  ])('POST /v1/uploads %j', async (body) => {
    const res = await request(app).post('/v1/uploads').set('Authorization', alice).send(body);
    expectDocumented(res, 'post', '/v1/uploads');
    if ('title' in body) expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'invalid_body' });
  });

  it('a multipart upload, from start to completion', async () => {
    const size = 12 * MIB;
    const created = await request(app).post('/v1/uploads').set('Authorization', alice).send({ fileName: 'big.mp4', size, contentType: 'video/mp4', title: 'Big', visibility: 'public' });
    expectDocumented(created, 'post', '/v1/uploads');
    expect(created.body.upload.kind).toBe('multipart');
    const id = created.body.videoId as string;
    const call = (method: 'get' | 'post' | 'delete', path: string, target = path.replace('{id}', id)) => request(app)[method](target).set('Authorization', alice);

    expectDocumented(await call('get', '/v1/uploads/{id}/parts', `/v1/uploads/${id}/parts?from=2&count=5`), 'get', '/v1/uploads/{id}/parts');
    expectDocumented(await call('get', '/v1/uploads/{id}/parts', `/v1/uploads/${id}/parts?from=9`), 'get', '/v1/uploads/{id}/parts');
    expectDocumented(await call('get', '/v1/uploads/{id}/parts/uploaded'), 'get', '/v1/uploads/{id}/parts/uploaded');
    expectDocumented(await call('post', '/v1/uploads/{id}/complete'), 'post', '/v1/uploads/{id}/complete');
    parts.set(id, [1, 2, 3].map((partNumber) => ({ partNumber, etag: `"e${partNumber}"`, size: partNumber < 3 ? 5 * MIB : 2 * MIB })));
    expectDocumented(await call('get', '/v1/uploads/{id}/parts/uploaded'), 'get', '/v1/uploads/{id}/parts/uploaded');
    expectDocumented(await call('post', '/v1/uploads/{id}/complete').send({ parts: [{ partNumber: 1, etag: 'e1' }] }), 'post', '/v1/uploads/{id}/complete');
    expectDocumented(await call('post', '/v1/uploads/{id}/complete').send({ parts: 'all' }), 'post', '/v1/uploads/{id}/complete');
    const completed = await call('post', '/v1/uploads/{id}/complete');
    expect(completed.status).toBe(200);
    expectDocumented(completed, 'post', '/v1/uploads/{id}/complete');
    expectDocumented(await call('delete', '/v1/uploads/{id}'), 'delete', '/v1/uploads/{id}');
    expectDocumented(await call('delete', '/v1/uploads/{id}', '/v1/uploads/nope'), 'delete', '/v1/uploads/{id}');
  });

  it('a single upload, cancelled twice', async () => {
    const created = await request(app).post('/v1/uploads').set('Authorization', alice).send({ fileName: 'small.mp4', size: 10, contentType: 'video/mp4' });
    expectDocumented(created, 'post', '/v1/uploads');
    const target = `/v1/uploads/${created.body.videoId as string}`;
    expectDocumented(await request(app).get(`${target}/parts`).set('Authorization', alice), 'get', '/v1/uploads/{id}/parts');
    const first = await request(app).delete(target).set('Authorization', alice);
    expect(first.status).toBe(204);
    expectDocumented(first, 'delete', '/v1/uploads/{id}');
    expectDocumented(await request(app).delete(target).set('Authorization', alice), 'delete', '/v1/uploads/{id}');
  });
});
