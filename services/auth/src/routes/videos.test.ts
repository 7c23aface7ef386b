import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../../test/support/unit-database-context.ts';
import { createAuditLog } from '@vidgate/common/audit';
import { createPool } from '@vidgate/common/database/pool';
import { createLogger } from '@vidgate/common/logger';
import { memoryObjectStore } from '@vidgate/common/memory-object-store';
import { videoKeys, type VideoInput } from '@vidgate/common/video';
import { createVideoStore } from '@vidgate/common/video-store';
import { createApp } from '../app.ts';
import { loadAuthConfig } from '../auth-config.ts';
import { issueToken, type Principal } from '../jwt.ts';
import type { UploadStorage } from '../uploads/upload-storage.ts';

// Managing videos through the API, against the unit project's PostgreSQL.
const config = loadAuthConfig({ VIDGATE_LOG_LEVEL: 'silent', VIDGATE_SIGNING_KEYS: 'k1:videos-test-signing-key-0123456789abcdefghij', VIDGATE_JWT_SECRET: 'videos-test-jwt-secret-0123456789abcdefghij' });
const pool = createPool(unitDatabase());
afterAll(() => pool.end());
const videos = createVideoStore(pool);
const objects = memoryObjectStore();
const revoked: string[] = [];
const aborted: string[] = [];
const storage = { revokeUrls: async (id: string) => void revoked.push(id), abortMultipart: async (id: string) => void aborted.push(id) } as unknown as UploadStorage;
const audit = createAuditLog(pool);
const app = createApp(config, { store: objects, videos, uploads: storage, audit, logger: createLogger({ name: 'test', level: 'silent' }) });
const trail = async (videoId: string) => (await audit.query({ videoId, limit: 100 })).events.map((e) => `${e.action} ${e.actor}`).reverse();

const tag = randomBytes(4).toString('hex');
const user = (name: string, extra: Partial<Principal> = {}) => `Bearer ${issueToken(config.jwt, { sub: `${name}-${tag}`, role: 'user', premium: false, ...extra })}`;
const alice = user('alice');
const bob = user('bob', { groups: [`editors-${tag}`] });
const carol = user('carol', { groups: ['others'] });
const admin = user('ops', { role: 'admin' });
const aliceName = `alice-${tag}`;

let n = 0;
async function aliceVideo(fields: Partial<VideoInput> = {}): Promise<string> {
  const id = `v${n++}-${tag}`;
  const at = new Date(Date.now() - (100 - n) * 1000).toISOString();
  await videos.create({ id, owner: aliceName, title: id, visibility: 'private', status: 'ready', progress: 1, durationSeconds: 12, createdAt: at, updatedAt: at, ...fields });
  return id;
}

describe('who may watch, see and change a video (services/auth/src/videos/access.ts)', () => {
  const tokens = { alice, admin, bob, carol };
  it.each([
    ['the owner', 'alice', 'private', 200],
    ['an admin', 'admin', 'private', 200],
    ['a user it is shared with by name', 'bob', 'shared-user', 200],
    ['a member of a group it is shared with', 'bob', 'shared-group', 200],
    ['anyone else, private', 'carol', 'private', 403],
    ['anyone else, premium without premium', 'carol', 'premium', 403],
    ['anyone signed in, public', 'carol', 'public', 200],
  ] as const)('%s (%s, %s video): playback %s', async (_who, name, kind, status) => {
    const token = tokens[name];
    const id = await aliceVideo({
      visibility: kind === 'public' || kind === 'premium' ? kind : 'private',
      ...(kind === 'shared-user' ? { allowedUsers: [`bob-${tag}`] } : {}),
      ...(kind === 'shared-group' ? { allowedGroups: [`editors-${tag}`] } : {}),
    });
    const res = await request(app).get(`/v1/videos/${id}/playback`).set('Authorization', token);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
  });

  it('lets only the owner and admins change a video: a viewer gets 403, anyone else 404 as for no video', async () => {
    const id = await aliceVideo({ allowedUsers: [`bob-${tag}`] });
    expect((await request(app).patch(`/v1/videos/${id}`).set('Authorization', bob).send({ title: 'mine now' })).body.error).toBe('forbidden');
    expect((await request(app).patch(`/v1/videos/${id}`).set('Authorization', carol).send({ title: 'mine now' })).status).toBe(404);
    expect((await request(app).delete(`/v1/videos/${id}`).set('Authorization', carol)).status).toBe(404);
    expect((await request(app).patch(`/v1/videos/${id}`).set('Authorization', admin).send({ title: 'by ops' })).status).toBe(200);
    expect((await videos.get(id))!.title).toBe('by ops');
    expect(await trail(id)).toEqual([`video.refused bob-${tag}`, `video.refused carol-${tag}`, `video.refused carol-${tag}`, `video.changed ops-${tag}`]);
  });
});

describe('PATCH /v1/videos/:id', () => {
  it('changes title, description, visibility and sharing, and nothing else', async () => {
    const id = await aliceVideo({ status: 'processing', progress: 0.4 });
    const res = await request(app).patch(`/v1/videos/${id}`).set('Authorization', alice)
      .send({ title: '  Quarterly review ', description: 'for the team', visibility: 'premium', sharedWith: { users: [`bob-${tag}`, `bob-${tag}`], groups: [`editors-${tag}`] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, title: 'Quarterly review', description: 'for the team', visibility: 'premium', status: 'processing', progress: 0.4, sharedWith: { users: [`bob-${tag}`], groups: [`editors-${tag}`] } });
    expect(res.headers['cache-control']).toBe('private, no-store');
    const stored = (await videos.get(id))!;
    expect(stored).toMatchObject({ title: 'Quarterly review', allowedUsers: [`bob-${tag}`], allowedGroups: [`editors-${tag}`], status: 'processing', progress: 0.4 });
    expect(Date.parse(stored.updatedAt)).toBeGreaterThan(Date.parse(stored.createdAt));
    const events = (await audit.query({ videoId: id, limit: 10 })).events;
    expect(events.map((e) => e.action).sort()).toEqual(['video.changed', 'video.shared']);
    expect(events.find((e) => e.action === 'video.shared')!.detail).toEqual({ users: [`bob-${tag}`], groups: [`editors-${tag}`], added: { users: [`bob-${tag}`], groups: [`editors-${tag}`] }, removed: { users: [], groups: [] } });
  });

  it.each([
    [{}, 'body: name at least one of title, description, visibility, sharedWith'],
    [{ owner: 'carol' }, 'Unrecognized key: "owner"'],
    [{ title: '   ' }, 'title'],
    // PostgreSQL's text holds no NUL: refused here, not a 500 from the database (schemathesis found it).
    [{ description: 'before\u0000after' }, 'description: no control characters'],
    [{ title: 'two\nlines' }, 'title: no control characters'],
    [{ visibility: 'secret' }, 'visibility'],
    [{ sharedWith: { users: ['a,b'] } }, 'sharedWith.users.0'],
    [{ sharedWith: { users: Array.from({ length: 101 }, (_, i) => `u${i}`) } }, 'sharedWith.users'],
    [{ sharedWith: { everyone: true } }, 'sharedWith'],
  ])('refuses %j with 400 invalid_body naming the field', async (body, named) => {
    const id = await aliceVideo();
    const res = await request(app).patch(`/v1/videos/${id}`).set('Authorization', alice).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_body');
    expect(res.body.message).toContain(named);
    expect((await videos.get(id))!.title).toBe(id);
  });

  it('keeps the tabs and line breaks of a description', async () => {
    const id = await aliceVideo();
    const description = 'Agenda:\n\t1. numbers\r\n\t2. questions';
    expect((await request(app).patch(`/v1/videos/${id}`).set('Authorization', alice).send({ description })).status).toBe(200);
    expect((await videos.get(id))!.description).toBe(description);
  });
});

describe('DELETE /v1/videos/:id', () => {
  it('removes every object of the video and its record, and answers 204 again for the same id', async () => {
    const id = await aliceVideo();
    for (const key of [videoKeys.master(id), `${videoKeys.hlsPrefix(id)}720p/seg_000.ts`, `${videoKeys.hlsPrefix(id)}poster.jpg`, videoKeys.source(id)]) await objects.putText(key, 'x', 'application/octet-stream');
    const neighbour = `${videoKeys.hlsPrefix(`${id}x`)}master.m3u8`;
    await objects.putText(neighbour, 'another video', 'application/vnd.apple.mpegurl');
    expect((await request(app).delete(`/v1/videos/${id}`).set('Authorization', alice)).status).toBe(204);
    expect(await objects.listChildren(videoKeys.prefix(id))).toEqual([]);
    expect(await objects.listChildren(videoKeys.uploadPrefix(id))).toEqual([]);
    expect(await objects.getText(neighbour)).toBe('another video');
    expect(await videos.get(id)).toBeUndefined();
    expect((await request(app).get(`/v1/videos/${id}/playback`).set('Authorization', alice)).status).toBe(404);
    expect((await request(app).delete(`/v1/videos/${id}`).set('Authorization', alice)).status).toBe(204);
    expect(await trail(id)).toEqual([`video.deleted alice-${tag}`, `playback.refused alice-${tag}`]);
  });

  it('ends an upload in progress: its URLs revoked and its multipart upload aborted', async () => {
    const id = await aliceVideo({ status: 'uploading', progress: 0, source: { fileName: 'a.mp4', contentType: 'video/mp4', size: 10, uploadId: 'mpu-1', partSize: 5 * 1024 ** 2 } });
    expect((await request(app).delete(`/v1/videos/${id}`).set('Authorization', alice)).status).toBe(204);
    expect(revoked).toContain(id);
    expect(aborted).toContain(id);
  });
});

describe('GET /v1/videos views', () => {
  it('mine, shared with me (by name or group, ready only), and all for admins', async () => {
    const sharedByName = await aliceVideo({ allowedUsers: [`bob-${tag}`] });
    const sharedByGroup = await aliceVideo({ allowedGroups: [`editors-${tag}`] });
    const sharedNotReady = await aliceVideo({ allowedUsers: [`bob-${tag}`], status: 'processing' });
    const ids = async (token: string, query: string) => {
      const res = await request(app).get(`/v1/videos?${query}`).set('Authorization', token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body.videos as { id: string; sharedWith?: unknown }[]);
    };
    const shared = (await ids(bob, 'view=shared&limit=100')).filter((v) => [sharedByName, sharedByGroup, sharedNotReady].includes(v.id));
    expect(shared.map((v) => v.id)).toEqual([sharedByGroup, sharedByName]);
    expect(shared.every((v) => v.sharedWith === undefined)).toBe(true); // a viewer does not see whom else it is shared with
    expect((await ids(bob, 'view=mine')).length).toBe(0);
    expect((await ids(carol, 'view=shared')).length).toBe(0);
    const mine = await ids(alice, 'view=mine&limit=100');
    expect(mine.map((v) => v.id)).toContain(sharedNotReady);
    const all = await ids(admin, 'view=all&limit=100');
    expect(all.map((v) => v.id)).toEqual(expect.arrayContaining([sharedByName, sharedByGroup, sharedNotReady]));
    const refused = await request(app).get('/v1/videos?view=all').set('Authorization', alice);
    expect([refused.status, refused.body.error]).toEqual([403, 'forbidden']);
    expect((await request(app).get('/v1/videos?view=everything').set('Authorization', alice)).body.error).toBe('bad_request');
  });
});
