import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../../test/support/unit-database-context.ts';
import { createAuditLog } from '@vidgate/common/audit';
import { AppError } from '@vidgate/common/errors';
import { createPool } from '@vidgate/common/database/pool';
import { createLogger } from '@vidgate/common/logger';
import { memoryObjectStore } from '@vidgate/common/memory-object-store';
import { createUrlSigner, nowSeconds } from '@vidgate/common/url-signer';
import { videoKeys, type VideoInput } from '@vidgate/common/video';
import { createVideoStore } from '@vidgate/common/video-store';
import { createApp } from '../app.ts';
import { loadAuthConfig } from '../auth-config.ts';
import { MAX_CAPTION_BYTES } from '../captions/webvtt.ts';
import { issueToken, type Principal } from '../jwt.ts';
import type { UploadStorage } from '../uploads/upload-storage.ts';
import { MAX_CAPTIONS } from './captions.ts';

// The caption routes and what playback makes of them, against the unit project's PostgreSQL.
const config = loadAuthConfig({ VIDGATE_LOG_LEVEL: 'silent', VIDGATE_SIGNING_KEYS: 'k1:captions-test-signing-key-0123456789abcdefgh', VIDGATE_JWT_SECRET: 'captions-test-jwt-secret-0123456789abcdefghij' });
const pool = createPool(unitDatabase());
afterAll(() => pool.end());
const videos = createVideoStore(pool);
const objects = memoryObjectStore();
const audit = createAuditLog(pool);
const app = createApp(config, { store: objects, videos, uploads: {} as UploadStorage, audit, logger: createLogger({ name: 'test', level: 'silent' }) });
const signer = createUrlSigner(config.signing);

const tag = randomBytes(4).toString('hex');
const user = (name: string, extra: Partial<Principal> = {}) => `Bearer ${issueToken(config.jwt, { sub: `${name}-${tag}`, role: 'user', premium: false, ...extra })}`;
const alice = user('alice');
const bob = user('bob');
const carol = user('carol');
const admin = user('ops', { role: 'admin' });
const VTT = 'WEBVTT\n\n00:00:02.000 --> 00:00:04.000\nHello\n';
const MASTER = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/index.m3u8\n';

let n = 0;
/** Alice's video, shared with Bob, ready unless told. */
async function aliceVideo(fields: Partial<VideoInput> = {}): Promise<string> {
  const id = `c${n++}-${tag}`;
  const at = new Date().toISOString();
  await videos.create({ id, owner: `alice-${tag}`, title: id, visibility: 'private', allowedUsers: [`bob-${tag}`], status: 'ready', progress: 1, durationSeconds: 12, createdAt: at, updatedAt: at, ...fields });
  await objects.putText(videoKeys.master(id), MASTER, 'application/vnd.apple.mpegurl');
  return id;
}
const put = (id: string, language: string, who: string | undefined, body = VTT, type = 'text/vtt') => {
  const req = request(app).put(`/v1/videos/${id}/captions/${language}`).set('Content-Type', type);
  return (who ? req.set('Authorization', who) : req).send(body);
};
const master = async (id: string) => (await request(app).get(signer.signPath(`/v1/hls/${id}/master.m3u8`, nowSeconds() + 60))).text;

/** The caption files stored for a video, by name. */
const captionFiles = (id: string) => objects.listChildren(`${videoKeys.prefix(id)}captions/`);
/** The stored file of a language, as the video's record names it. */
async function storedCaption(id: string, language: string): Promise<string | undefined> {
  const caption = (await videos.get(id))!.captions.find((c) => c.language === language);
  return caption && objects.getText(videoKeys.caption(id, caption));
}

describe('who may add, list and remove captions (services/auth/src/videos/access.ts)', () => {
  const tokens = { alice, admin, bob, carol, nobody: undefined };
  it.each([
    ['the owner', 'alice', 201, 200, 204],
    ['an admin', 'admin', 201, 200, 204],
    ['a viewer it is shared with', 'bob', 403, 403, 403],
    ['anyone else', 'carol', 404, 404, 404],
    ['nobody signed in', 'nobody', 401, 401, 401],
  ] as const)('%s (%s): PUT %s, GET %s, DELETE %s', async (_who, name, putStatus, getStatus, deleteStatus) => {
    const token = tokens[name];
    const id = await aliceVideo();
    expect((await put(id, 'en', token)).status).toBe(putStatus);
    const list = request(app).get(`/v1/videos/${id}/captions`);
    expect((await (token ? list.set('Authorization', token) : list)).status).toBe(getStatus);
    const remove = request(app).delete(`/v1/videos/${id}/captions/en`);
    expect((await (token ? remove.set('Authorization', token) : remove)).status).toBe(deleteStatus);
  });

  it('a refused change is in the audit trail', async () => {
    const id = await aliceVideo();
    await put(id, 'en', bob);
    const events = (await audit.query({ videoId: id, limit: 10 })).events;
    expect(events.map((e) => [e.action, e.actor, e.detail])).toEqual([['video.refused', `bob-${tag}`, { reason: 'forbidden' }]]);
  });
});

describe('a caption file', () => {
  it.each([
    ['not WebVTT', 'en', 'Hello\n', 'text/vtt', 400, 'caption_invalid'],
    ['a cue ending before it starts', 'en', 'WEBVTT\n\n00:00:04.000 --> 00:00:02.000\nx\n', 'text/vtt', 400, 'caption_invalid'],
    ['not a language tag', 'english_US', VTT, 'text/vtt', 400, 'bad_request'],
    ['another content type', 'en', VTT, 'text/plain', 415, 'unsupported_media_type'],
    ['another charset', 'en', VTT, 'text/vtt; charset=iso-8859-1', 415, 'unsupported_media_type'],
    ['too large', 'en', `${VTT}\n${'NOTE x\n\n'.repeat(MAX_CAPTION_BYTES / 8)}`, 'text/vtt', 413, 'payload_too_large'],
  ])('is refused when %s', async (_what, language, body, type, status, code) => {
    const id = await aliceVideo();
    const res = await put(id, language, alice, body, type);
    expect([res.status, res.body.error]).toEqual([status, code]);
    expect(await captionFiles(id)).toEqual([]);
  });

  it('is refused for a video not ready yet (409) and with an unknown parameter (400)', async () => {
    expect((await put(await aliceVideo({ status: 'processing', durationSeconds: undefined }), 'en', alice)).body.error).toBe('video_not_ready');
    const res = await request(app).put(`/v1/videos/${await aliceVideo()}/captions/en?lable=x`).set('Authorization', alice).set('Content-Type', 'text/vtt').send(VTT);
    expect([res.status, res.body.message]).toEqual([400, 'unknown parameter lable (label)']);
  });

  it(`is refused past ${MAX_CAPTIONS} languages (409 conflict), while one of them may still be replaced`, async () => {
    const id = await aliceVideo();
    const languages = Array.from({ length: MAX_CAPTIONS }, (_, i) => `en-x-${i}`);
    for (const language of languages) expect((await put(id, language, alice)).status).toBe(201);
    const refused = await put(id, 'fr', alice);
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 409, error: 'conflict' });
    expect((await put(id, languages[3]!, alice)).status).toBe(200);
    expect((await videos.get(id))!.captions.map((c) => c.language)).toHaveLength(MAX_CAPTIONS);
    expect(await captionFiles(id)).toHaveLength(MAX_CAPTIONS);
  });
});

describe('captions from upload to the signed master', () => {
  it('are stored mapped onto the segments, listed, named by the master at once (not a cached copy), and removed', async () => {
    const id = await aliceVideo();
    expect(await master(id)).not.toContain('SUBTITLES');

    const added = await request(app).put(`/v1/videos/${id}/captions/en-us?label=English%20(CC)`).set('Authorization', alice).set('Content-Type', 'text/vtt; charset=utf-8').send(VTT);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ language: 'en-US', label: 'English (CC)' });
    // No segment to read in the memory store: ffmpeg's start, 1.4 s.
    expect(await storedCaption(id, 'en-US')).toBe('WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n00:00:02.000 --> 00:00:04.000\nHello\n');
    expect((await put(id, 'de', alice)).status).toBe(201);
    const [first] = (await captionFiles(id)).filter((file) => file.startsWith('de.'));
    const hallo = 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHallo\n';
    expect((await put(id, 'de', alice, hallo)).status).toBe(200);
    // A new file under a new key, the one it replaced removed: no cache can serve the old one for the new.
    const [second] = (await captionFiles(id)).filter((file) => file.startsWith('de.'));
    expect(second).toMatch(/^de\.[0-9a-f]{16}\.vtt$/);
    expect(second).not.toBe(first);
    expect(await storedCaption(id, 'de')).toContain('Hallo');

    const list = await request(app).get(`/v1/videos/${id}/captions`).set('Authorization', alice);
    expect(list.body.captions.map((c: { language: string; label: string }) => `${c.language} ${c.label}`)).toEqual(['de German', 'en-US English (CC)']);

    const signed = await master(id);
    expect(signed).toMatch(/^#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en-US",NAME="English \(CC\)",AUTOSELECT=YES,DEFAULT=NO,URI="\/v1\/hls\/[^/]+\/captions\/en-US\.m3u8\?[^"]+"$/m);
    expect(signed).toMatch(/^#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,SUBTITLES="subs"$/m);
    const subtitleUrl = /URI="(\/v1\/hls\/[^"]+\/en-US\.m3u8\?[^"]+)"/.exec(signed)![1]!;
    const subtitles = await request(app).get(subtitleUrl);
    expect(subtitles.status).toBe(200);
    expect(subtitles.text).toMatch(new RegExp(`^#EXTINF:12\\.000,\\n/media/videos/${id}/captions/en-US\\.[0-9a-f]{16}\\.vtt\\?`, 'm'));

    expect((await request(app).delete(`/v1/videos/${id}/captions/EN-us`).set('Authorization', alice)).status).toBe(204);
    expect((await captionFiles(id)).filter((file) => file.startsWith('en-US.'))).toEqual([]);
    expect(await master(id)).not.toContain('LANGUAGE="en-US"');
    expect((await request(app).get(subtitleUrl)).status).toBe(404);
    // Removing what is not there is fine, and not recorded again.
    expect((await request(app).delete(`/v1/videos/${id}/captions/en-US`).set('Authorization', alice)).status).toBe(204);

    const trail = (await audit.query({ videoId: id, limit: 10 })).events.reverse().map((e) => [e.action, e.detail]);
    expect(trail).toEqual([
      ['caption.added', { language: 'en-US', label: 'English (CC)', bytes: VTT.length, cues: 1, replaced: false }],
      ['caption.added', { language: 'de', label: 'German', bytes: VTT.length, cues: 1, replaced: false }],
      ['caption.added', { language: 'de', label: 'German', bytes: hallo.length, cues: 1, replaced: true }],
      ['caption.removed', { language: 'en-US', label: 'English (CC)' }],
    ]);
  });

  it('go with the video when it is deleted', async () => {
    const id = await aliceVideo();
    await put(id, 'fr', alice);
    expect((await request(app).delete(`/v1/videos/${id}`).set('Authorization', alice)).status).toBe(204);
    expect(await captionFiles(id)).toEqual([]);
    expect((await request(app).get(`/v1/videos/${id}/captions`).set('Authorization', alice)).status).toBe(404);
  });
});

describe('captions when a store fails midway', () => {
  /** The app over the same database, with object removals failing while `failing` is set. */
  let failing = false;
  const flaky = { ...objects, removeAll: (prefix: string) => (failing ? Promise.reject(new Error('storage down')) : objects.removeAll(prefix)) };
  const flakyApp = createApp(config, { store: flaky, videos, uploads: {} as UploadStorage, audit, logger: createLogger({ name: 'test', level: 'silent' }) });

  it('a replacement and a removal that were made are answered and recorded, though the old file could not be removed', async () => {
    const id = await aliceVideo();
    expect((await put(id, 'en', alice)).status).toBe(201);
    failing = true;
    try {
      const replaced = await request(flakyApp).put(`/v1/videos/${id}/captions/en`).set('Authorization', alice).set('Content-Type', 'text/vtt').send(VTT.replace('Hello', 'Again'));
      expect(replaced.status).toBe(200);
      expect(await storedCaption(id, 'en')).toContain('Again');
      expect((await request(flakyApp).delete(`/v1/videos/${id}/captions/en`).set('Authorization', alice)).status).toBe(204);
    } finally {
      failing = false;
    }
    expect((await videos.get(id))!.captions).toEqual([]);
    const trail = (await audit.query({ videoId: id, limit: 10 })).events.map((e) => e.action);
    expect(trail).toEqual(['caption.removed', 'caption.added', 'caption.added']);
    // The files the list stopped naming stay (logged), until the video goes.
    expect(await captionFiles(id)).toHaveLength(2);
    expect((await request(app).delete(`/v1/videos/${id}`).set('Authorization', alice)).status).toBe(204);
    expect(await captionFiles(id)).toEqual([]);
  });

  it('a file whose record could not be written is not kept', async () => {
    const id = await aliceVideo();
    const broken = { ...videos, setCaption: () => Promise.reject(new AppError('database_unavailable', 'down')) };
    const brokenApp = createApp(config, { store: objects, videos: broken, uploads: {} as UploadStorage, audit, logger: createLogger({ name: 'test', level: 'silent' }) });
    const res = await request(brokenApp).put(`/v1/videos/${id}/captions/en`).set('Authorization', alice).set('Content-Type', 'text/vtt').send(VTT);
    expect([res.status, res.body.error]).toEqual([503, 'database_unavailable']);
    expect(await captionFiles(id)).toEqual([]);
  });
});
