import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../../test/support/unit-database-context.ts';
import { loadAuthConfig } from '../auth-config.ts';
import { createApp } from '../app.ts';
import { createAuditLog, type StoredAuditEvent } from '@vidgate/common/audit';
import { createPool } from '@vidgate/common/database/pool';
import { createLogger } from '@vidgate/common/logger';
import { memoryObjectStore } from '@vidgate/common/memory-object-store';
import type { Video } from '@vidgate/common/video';
import { createVideoStore } from '@vidgate/common/video-store';
import { pollUntil } from '../../../../test/support/poll.ts';
import { issueToken } from '../jwt.ts';
import type { UploadStorage } from '../uploads/upload-storage.ts';

// What the auth service writes to the audit trail, read back from the unit
// project's PostgreSQL. Other files write there at the same time: every name
// here is fresh, and reads filter by it.
const ENV = {
  VIDGATE_SIGNING_KEYS: 'k1:audit-test-signing-key-0123456789abcdefghij',
  VIDGATE_JWT_SECRET: 'audit-test-jwt-secret-0123456789abcdefghijklm',
  VIDGATE_PUBLIC_URL: 'https://media.example.test',
  VIDGATE_UPLOAD_MULTIPART_THRESHOLD: String(5 * 1024 ** 2),
  VIDGATE_UPLOAD_PART_SIZE: String(5 * 1024 ** 2),
  VIDGATE_LOG_LEVEL: 'silent',
};
const config = loadAuthConfig(ENV);
const pool = createPool(unitDatabase());
const audit = createAuditLog(pool);
const videos = createVideoStore(pool);
// Presigning needs MinIO's STS; these routes only need some URLs and the parts "uploaded".
const uploads: UploadStorage = {
  urls: async () => ({ put: async () => 'https://put.example.test/?X-Amz-Signature=s', post: async () => ({ url: 'https://post.example.test', fields: {} }), part: async () => 'https://part.example.test/?X-Amz-Signature=s' }),
  createMultipart: async () => 'upload-1',
  listParts: async () => [1, 2].map((partNumber) => ({ partNumber, etag: `"e${partNumber}"`, size: partNumber === 1 ? 5 * 1024 ** 2 : 1024 })),
  completeMultipart: async () => {},
  abortMultipart: async () => {},
  revokeUrls: async () => {},
};
const build = (auditLog = audit, appConfig = config) => createApp(appConfig, { store: memoryObjectStore(), videos, uploads, audit: auditLog, logger: createLogger({ name: 'test', level: 'silent' }) });
const app = build();
afterAll(() => pool.end());

const fresh = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const bearer = (sub: string, role: 'user' | 'admin' = 'user') => `Bearer ${issueToken(config.jwt, { sub, role, premium: false })}`;
const trail = async (filter: { actor?: string; videoId?: string }) => (await audit.query({ ...filter, limit: 20 })).events;
const CLIENT = { 'X-Forwarded-For': '198.51.100.23', 'User-Agent': 'AuditTestPlayer/2.0' };

const video = (id: string, fields: Partial<Video> = {}): Video => ({
  id, owner: 'studio', title: id, description: '', visibility: 'public', allowedUsers: [], allowedGroups: [], status: 'ready', progress: 1, durationSeconds: 12, renditions: [], captions: [],
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...fields,
});

/** No secret ever reaches the trail: not the token, not a signature, not a signed URL's query. */
function expectNoSecrets(events: StoredAuditEvent[], token?: string) {
  const text = JSON.stringify(events);
  expect(text).not.toMatch(/sig=|X-Amz-Signature|exp=\d+&kid/);
  if (token) expect(text).not.toContain(token.replace(/^Bearer /, ''));
}

describe('playback', () => {
  const open = fresh('aud-open');
  const closed = fresh('aud-closed');
  beforeAll(async () => {
    await videos.create(video(open));
    await videos.create(video(closed, { visibility: 'private' }));
  });

  it('granted: who, which video, when, from where and with what', async () => {
    const viewer = fresh('viewer');
    const before = Date.now();
    const res = await request(app).get(`/v1/videos/${open}/playback`).set({ ...CLIENT, Authorization: bearer(viewer) });
    expect(res.status).toBe(200);
    const events = await trail({ actor: viewer });
    expect(events).toEqual([expect.objectContaining({
      action: 'playback.granted', actor: viewer, videoId: open, clientIp: '198.51.100.23', userAgent: 'AuditTestPlayer/2.0',
      detail: { visibility: 'public', expiresAt: res.body.expiresAt },
    })]);
    expect(Date.parse(events[0]!.at)).toBeGreaterThanOrEqual(before - 1000);
    expectNoSecrets(events);
  });

  it("takes the client's address from the one hop nginx adds, never from what the client wrote before it", async () => {
    const viewer = fresh('spoofer');
    const res = await request(app).get(`/v1/videos/${open}/playback`).set({ 'X-Forwarded-For': '6.6.6.6, 198.51.100.24', Authorization: bearer(viewer) });
    expect(res.status).toBe(200);
    expect((await trail({ actor: viewer }))[0]!.clientIp).toBe('198.51.100.24');
  });

  it.each([
    ['not entitled', () => closed, (v: string) => bearer(v), 403, 'not_entitled'],
    ['no such video', () => 'no-such-video-x', (v: string) => bearer(v), 404, 'video_not_found'],
    ['no token', () => open, () => undefined, 401, 'token_missing'],
  ])('refused, %s: with the reason', async (_what, id, token, status, reason) => {
    const viewer = fresh('viewer');
    const authorization = token(viewer);
    const res = await request(app).get(`/v1/videos/${id()}/playback`).set(CLIENT).set(authorization ? { Authorization: authorization } : {});
    expect(res.status).toBe(status);
    const events = await trail({ videoId: id() });
    expect(events.find((e) => e.detail.reason === reason && (authorization ? e.actor === viewer : e.actor === 'anonymous'))).toMatchObject({
      action: 'playback.refused', clientIp: '198.51.100.23', userAgent: 'AuditTestPlayer/2.0',
    });
  });

  it('refused with a token that is not valid: a playback refusal and a refused token, neither holding the token', async () => {
    const viewer = fresh('expired');
    const expired = `Bearer ${issueToken(config.jwt, { sub: viewer, role: 'user', premium: false }, -60)}`;
    const id = fresh('aud-vid');
    expect((await request(app).get(`/v1/videos/${id}/playback`).set({ ...CLIENT, Authorization: expired })).status).toBe(401);
    const refused = await trail({ videoId: id });
    expect(refused).toEqual([expect.objectContaining({ action: 'playback.refused', actor: 'anonymous', detail: { reason: 'token_invalid' } })]);
    const [token] = (await audit.query({ action: 'token.refused', limit: 50 })).events.filter((e) => e.detail.claimedSubject === viewer);
    expect(token).toMatchObject({ actor: 'anonymous', clientIp: '198.51.100.23', detail: { reason: 'token_invalid', message: expect.stringMatching(/expired/), method: 'GET', path: `/v1/videos/${id}/playback` } });
    expectNoSecrets([...refused, token!], expired);
  });
});

describe('signing and refused tokens', () => {
  it('records each URL /v1/sign mints: the object key and expiry, never the signature', async () => {
    const admin = fresh('admin');
    const res = await request(app).post('/v1/sign').set({ ...CLIENT, Authorization: bearer(admin, 'admin') }).send({ objectKey: 'demo/a.ts', ttl: 60 });
    expect(res.status).toBe(201);
    const events = await trail({ actor: admin });
    expect(events).toEqual([expect.objectContaining({ action: 'sign.minted', clientIp: '198.51.100.23', detail: { objectKey: 'demo/a.ts', ttl: 60, expiresAt: res.body.expiresAt, kid: 'k1' } })]);
    expectNoSecrets(events);
  });

  it('records a valid token refused for want of a role under its verified subject, so the user\'s own trail shows it', async () => {
    const user = fresh('user');
    expect((await request(app).post('/v1/sign').set('Authorization', bearer(user)).send({ objectKey: 'demo/a.ts' })).status).toBe(403);
    const refused = await trail({ actor: user });
    expect(refused).toEqual([expect.objectContaining({ action: 'token.refused', detail: { reason: 'forbidden', message: 'this needs the admin role', method: 'POST', path: '/v1/sign' } })]);
  });
});

describe('uploads', () => {
  it('records created, completed and cancelled, with sizes and kinds', async () => {
    const owner = fresh('uploader');
    const auth = { ...CLIENT, Authorization: bearer(owner) };
    const multipart = await request(app).post('/v1/uploads').set(auth).send({ fileName: 'big.mp4', size: 5 * 1024 ** 2 + 1024, contentType: 'video/mp4' });
    expect(multipart.status).toBe(201);
    expect((await request(app).post(`/v1/uploads/${multipart.body.videoId}/complete`).set(auth)).status).toBe(200);
    const single = await request(app).post('/v1/uploads').set(auth).send({ fileName: 'small.mp4', size: 1000, contentType: 'video/mp4' });
    expect((await request(app).delete(`/v1/uploads/${single.body.videoId}`).set(auth)).status).toBe(204);
    expect((await trail({ actor: owner })).map((e) => [e.action, e.videoId, e.detail])).toEqual([
      ['upload.cancelled', single.body.videoId, { kind: 'single' }],
      ['upload.created', single.body.videoId, { kind: 'single', size: 1000, contentType: 'video/mp4', visibility: 'private' }],
      ['upload.completed', multipart.body.videoId, { kind: 'multipart', bytes: 5 * 1024 ** 2 + 1024, parts: 2 }],
      ['upload.created', multipart.body.videoId, { kind: 'multipart', size: 5 * 1024 ** 2 + 1024, contentType: 'video/mp4', visibility: 'private' }],
    ]);
  });
});

describe('GET /v1/audit', () => {
  const actor = fresh('audited');
  const ops = bearer(fresh('ops'), 'admin');
  const get = (query: string, authorization = ops) => request(app).get(`/v1/audit${query}`).set('Authorization', authorization);
  beforeAll(async () => {
    for (let i = 0; i < 5; i++) await audit.record({ action: 'video.changed', actor, videoId: `v${i % 2}`, detail: { i } });
  });

  it('answers admins only: 401 without a token, 403 forbidden for a user', async () => {
    expect((await request(app).get('/v1/audit')).body.error).toBe('token_missing');
    const res = await get('', bearer('someone'));
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 403, error: 'forbidden' });
  });

  it('pages one actor\'s events newest first, filters by video and time, and records that it was read', async () => {
    const first = await get(`?actor=${actor}&limit=3`);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('private, no-store');
    expect(first.body.events.map((e: StoredAuditEvent) => e.detail.i)).toEqual([4, 3, 2]);
    const second = await get(`?actor=${actor}&limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ events: [expect.objectContaining({ detail: { i: 1 } }), expect.objectContaining({ detail: { i: 0 } })] });
    expect((await get(`?actor=${actor}&video=v1`)).body.events.map((e: StoredAuditEvent) => e.detail.i)).toEqual([3, 1]);
    const at = first.body.events[1].at as string;
    expect((await get(`?actor=${actor}&from=${at}`)).body.events.length).toBeGreaterThanOrEqual(2);
    expect((await get(`?actor=${actor}&to=2000-01-01T00:00:00Z`)).body.events).toEqual([]);
    const reads = (await audit.query({ action: 'audit.read', limit: 20 })).events.filter((e) => e.detail.actor === actor);
    expect(reads.length).toBeGreaterThanOrEqual(5);
  });

  it.each(['?limit=0', '?limit=101', '?from=yesterday', '?cursor=abc', '?action=video.burned', '?page=2', '?actor=a&actor=b'])('refuses %s (400 bad_request)', async (query) => {
    const res = await get(query);
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'bad_request' });
  });
});

describe('when the trail cannot be written', () => {
  const broken = createAuditLog(createPool({ ...unitDatabase(), port: 1, poolSize: 1 }));
  const brokenApp = build(broken);

  it('playback goes on, and the failure is counted where Prometheus reads it', async () => {
    const id = fresh('aud-down');
    await videos.create(video(id));
    expect((await request(brokenApp).get(`/v1/videos/${id}/playback`).set('Authorization', bearer('viewer'))).status).toBe(200);
    // The answer did not wait for the write: its failure is counted moments later.
    const counted = await pollUntil(async () => (await request(brokenApp).get('/metrics')).text, (text) => /^vidgate_audit_write_failures_total\{action="playback.granted"\} 1$/m.test(text), { timeoutMs: 10_000 });
    expect(counted).toMatch(/^vidgate_audit_write_failures_total\{action="playback.granted"\} 1$/m);
  });

  it('with VIDGATE_PLAYBACK_AUDIT=before-grant, playback is refused (503, Retry-After) rather than granted unrecorded', async () => {
    const strict = build(broken, loadAuthConfig({ ...ENV, VIDGATE_PLAYBACK_AUDIT: 'before-grant' }));
    const id = fresh('aud-strict');
    await videos.create(video(id));
    const res = await request(strict).get(`/v1/videos/${id}/playback`).set('Authorization', bearer('viewer'));
    expect({ status: res.status, error: res.body.error, masterUrl: res.body.masterUrl, retryAfter: res.headers['retry-after'] }).toEqual({ status: 503, error: 'unavailable', masterUrl: undefined, retryAfter: '5' });
  });

  it('/v1/sign mints nothing without a record: 503 database_unavailable', async () => {
    const res = await request(brokenApp).post('/v1/sign').set('Authorization', bearer('ops', 'admin')).send({ objectKey: 'demo/a.ts' });
    expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: { error: 'database_unavailable', message: expect.any(String) } });
  });
});

describe('when the trail is slow to write', () => {
  // A "database" that accepts connections and never answers: a write waits for the pool's 5 s connection timeout.
  const silent = createServer(() => {});
  beforeAll(() => new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve)));
  afterAll(() => {
    silent.close();
  });

  it.each([
    ['background', 'answers at once, without waiting for the event', 200, (ms: number) => expect(ms).toBeLessThan(2_000)],
    ['before-grant', 'waits for the event and refuses when it cannot be stored', 503, (ms: number) => expect(ms).toBeGreaterThanOrEqual(4_500)],
  ] as const)('with VIDGATE_PLAYBACK_AUDIT=%s, playback %s', async (mode, _what, status, tookMs) => {
    const slow = createAuditLog(createPool({ ...unitDatabase(), port: (silent.address() as AddressInfo).port, poolSize: 1 }));
    const app = build(slow, loadAuthConfig({ ...ENV, VIDGATE_PLAYBACK_AUDIT: mode }));
    const id = fresh(`aud-slow-${mode}`);
    await videos.create(video(id));
    const started = Date.now();
    const res = await request(app).get(`/v1/videos/${id}/playback`).set('Authorization', bearer('viewer'));
    expect(res.status).toBe(status);
    tookMs(Date.now() - started);
  }, 15_000);
});
