import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../../test/support/unit-database-context.ts';
import { createAuditLog } from '@vidgate/common/audit';
import { createPool } from '@vidgate/common/database/pool';
import { createLogger } from '@vidgate/common/logger';
import { memoryObjectStore } from '@vidgate/common/memory-object-store';
import { createUrlSigner, nowSeconds } from '@vidgate/common/url-signer';
import { videoKeys, type VideoInput } from '@vidgate/common/video';
import { createVideoStore } from '@vidgate/common/video-store';
import { createApp } from '../app.ts';
import { loadAuthConfig } from '../auth-config.ts';
import { issueToken } from '../jwt.ts';
import { signStoryboard } from '../storyboard/sign-storyboard.ts';
import type { UploadStorage } from '../uploads/upload-storage.ts';

// The signed storyboard route and playback's storyboardUrl, against the unit project's PostgreSQL.
const config = loadAuthConfig({ VIDGATE_LOG_LEVEL: 'silent', VIDGATE_PUBLIC_URL: 'https://media.example.test', VIDGATE_SIGNING_KEYS: 'k1:storyboard-test-signing-key-0123456789abcdef', VIDGATE_JWT_SECRET: 'storyboard-test-jwt-secret-0123456789abcdefghij' });
const pool = createPool(unitDatabase());
afterAll(() => pool.end());
const videos = createVideoStore(pool);
const objects = memoryObjectStore();
const app = createApp(config, { store: objects, videos, uploads: {} as UploadStorage, audit: createAuditLog(pool), logger: createLogger({ name: 'test', level: 'silent' }) });
const signer = createUrlSigner(config.signing);
const tag = randomBytes(4).toString('hex');
const viewer = `Bearer ${issueToken(config.jwt, { sub: `viewer-${tag}`, role: 'user', premium: false })}`;

const VTT = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard-0.jpg#xywh=0,0,160,90\n\n00:00:01.000 --> 00:00:02.000\nstoryboard-0.jpg#xywh=160,0,160,90\n\n'
  + '00:00:02.000 --> 00:00:02.500\nstoryboard-1.jpg#xywh=0,0,160,90\n';

async function video(name: string, fields: Partial<VideoInput> = {}): Promise<string> {
  const id = `${name}-${tag}`;
  const now = new Date().toISOString();
  await videos.create({ id, owner: `owner-${tag}`, title: id, visibility: 'public', status: 'ready', progress: 1, durationSeconds: 2.5, createdAt: now, updatedAt: now, ...fields });
  return id;
}
const signedPath = (id: string, exp = nowSeconds() + 60) => signer.signPath(`/v1/storyboards/${id}.vtt`, exp);

let withStoryboard: string;
beforeAll(async () => {
  withStoryboard = await video('sb', { hasStoryboard: true });
  await objects.putText(videoKeys.storyboard(withStoryboard), VTT, 'text/vtt');
});

describe('GET /v1/storyboards/:id.vtt', () => {
  it('answers the stored cues with every sheet URL signed for /media/, cacheable only by the viewer and revalidated by ETag', async () => {
    const res = await request(app).get(signedPath(withStoryboard));
    expect(res.status, res.text).toBe(200);
    expect(res.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(res.headers['cache-control']).toBe('private, no-cache');
    const lines = res.text.split('\n');
    // Timings and layout unchanged; only the references differ.
    expect(lines.filter((l) => !l.includes('#xywh='))).toEqual(VTT.split('\n').filter((l) => !l.includes('#xywh=')));
    const refs = lines.filter((l) => l.includes('#xywh='));
    expect(refs.map((l) => l.slice(l.indexOf('#')))).toEqual(['#xywh=0,0,160,90', '#xywh=160,0,160,90', '#xywh=0,0,160,90']);
    for (const [i, ref] of refs.entries()) {
      const url = new URL(ref, config.publicUrl);
      expect(url.pathname).toBe(`/media/${videoKeys.hlsPrefix(withStoryboard)}storyboard-${i < 2 ? 0 : 1}.jpg`);
      // nginx checks exactly this: the path and the query the player sends (no fragment).
      expect(signer.verify(url.pathname, url.search.slice(1))).toMatchObject({ ok: true, kid: 'k1' });
      expect(Number(url.searchParams.get('exp'))).toBeGreaterThan(nowSeconds() + 2.5 + config.playback.grace - 60);
    }
    const again = await request(app).get(signedPath(withStoryboard)).set('If-None-Match', res.headers.etag!);
    expect(again.status).toBe(304);
  });

  it.each([
    ['no signature', (id: string) => `/v1/storyboards/${id}.vtt`, 403, 'signature_missing'],
    ['a signature for another video', (id: string) => signedPath(`other-${tag}`).replace(`other-${tag}`, id), 403, 'signature_invalid'],
    ['a tampered signature', (id: string) => signedPath(id).replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`), 403, 'signature_invalid'],
    ['an expired signature', (id: string) => signedPath(id, nowSeconds() - 1), 410, 'signature_expired'],
  ])('refuses %s', async (_what, url, status, code) => {
    const res = await request(app).get(url(withStoryboard));
    expect({ status: res.status, error: res.body.error }).toEqual({ status, error: code });
    expect(res.text).not.toContain('#xywh');
  });

  it('answers 404 for a video without a storyboard, one not ready, and one whose file is missing', async () => {
    const none = await video('none');
    const processing = await video('processing', { status: 'processing', hasStoryboard: true });
    const lost = await video('lost', { hasStoryboard: true });
    for (const [id, code] of [[none, 'not_found'], [processing, 'video_not_found'], [lost, 'not_found'], [`nope-${tag}`, 'video_not_found']] as const) {
      const res = await request(app).get(signedPath(id));
      expect({ id, status: res.status, error: res.body.error }).toEqual({ id, status: 404, error: code });
    }
  });
});

describe('playback', () => {
  it('offers a signed storyboardUrl exactly when the video has a storyboard, and that URL answers', async () => {
    const none = await video('plain');
    const withOne = (await request(app).get(`/v1/videos/${withStoryboard}/playback`).set('Authorization', viewer)).body;
    const without = (await request(app).get(`/v1/videos/${none}/playback`).set('Authorization', viewer)).body;
    expect(without).not.toHaveProperty('storyboardUrl');
    expect(withOne.storyboardUrl).toMatch(new RegExp(`^https://media\\.example\\.test/v1/storyboards/${withStoryboard}\\.vtt\\?`));
    const url = new URL(withOne.storyboardUrl as string);
    expect((await request(app).get(url.pathname + url.search)).status).toBe(200);
  });
});

describe('signStoryboard', () => {
  const sign = (text: string) => signStoryboard({ text, vttKey: 'videos/a/hls/storyboard.vtt', videoPrefix: 'videos/a/hls/', signPaths: (paths) => paths.map((p) => `${p}?signed`) });

  it('signs each sheet once, however many tiles name it', () => {
    const signed: string[][] = [];
    const out = signStoryboard({ text: VTT, vttKey: 'videos/a/hls/storyboard.vtt', videoPrefix: 'videos/a/hls/', signPaths: (paths) => (signed.push([...paths]), paths.map((p) => `${p}?s`)) });
    expect(signed).toEqual([['/media/videos/a/hls/storyboard-0.jpg', '/media/videos/a/hls/storyboard-1.jpg']]);
    expect(out.signed).toBe(2);
    expect(out.text).toContain('\n/media/videos/a/hls/storyboard-1.jpg?s#xywh=0,0,160,90\n');
  });

  it.each([
    ['a reference outside the video', '../../b/hls/storyboard-0.jpg#xywh=0,0,1,1'],
    ['an absolute URL', 'https://elsewhere.test/x.jpg#xywh=0,0,1,1'],
    ['an absolute path', '/media/videos/b/hls/x.jpg#xywh=0,0,1,1'],
    ['a payload that is not a tile', 'storyboard-0.jpg'],
  ])('refuses a stored file with %s rather than sign it', (_what, payload) => {
    expect(() => sign(`WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n${payload}\n`)).toThrow(expect.objectContaining({ code: 'internal' }));
  });

  it('refuses a file that is not WebVTT', () => {
    expect(() => sign('#EXTM3U\n')).toThrow(/WEBVTT/);
  });
});
