import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { StoredAuditEvent } from '@vidgate/common/audit';
import { REPO_ROOT } from '../services/stack/src/paths.ts';
import { waitForVideo } from './support/pipeline.ts';
import { pollUntil } from './support/poll.ts';
import { ORIGIN, TEST_ENV } from './support/test-stack.ts';
import { api, createUpload, putPresigned, type SingleUpload } from './support/uploads.ts';
import { DEMO_ID, freshId, tokenFor } from './support/videos.ts';

// The audit trail of a running stack, as an operator and an auditor meet it:
// requests through nginx from a client address other than nginx's own, the
// transcoder's part, the admin route and `vidgate audit` against the same
// database.
const CLIENT = '127.0.0.2';
const AGENT = 'AuditTrailTest/1.0';
const admin = tokenFor(freshId('auditor'), { role: 'admin' });

/** GET through nginx from CLIENT, as a player on another address would. */
function getFrom(path: string, token: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, ORIGIN);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, localAddress: CLIENT, agent: false, headers: { Authorization: `Bearer ${token}`, 'User-Agent': AGENT } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

async function trail(query: string): Promise<StoredAuditEvent[]> {
  const res = await api(`/v1/audit?${query}`, { token: admin });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.events as StoredAuditEvent[];
}

function vidgate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['services/stack/bin/vidgate.js', ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...TEST_ENV }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('the audit trail of the running stack', () => {
  it('records a playback with the client\'s own address and user agent, not nginx\'s', async () => {
    const viewer = freshId('viewer');
    const res = await getFrom(`/v1/videos/${DEMO_ID}/playback`, tokenFor(viewer));
    expect(res.status, res.body).toBe(200);
    expect(await trail(`actor=${viewer}`)).toEqual([expect.objectContaining({ action: 'playback.granted', videoId: DEMO_ID, clientIp: CLIENT, userAgent: AGENT })]);
    expect(JSON.stringify(await trail(`actor=${viewer}`))).not.toMatch(/sig=|masterUrl/);
  });

  it('records a refused token with its reason and the subject it claims, never the token', async () => {
    const who = freshId('expired');
    const expired = tokenFor(who, {}, -60);
    expect((await getFrom(`/v1/videos/${DEMO_ID}/playback`, expired)).status).toBe(401);
    const refused = (await trail('action=token.refused&limit=100')).find((e) => e.detail.claimedSubject === who);
    expect(refused).toMatchObject({ actor: 'anonymous', clientIp: CLIENT, detail: { reason: 'token_invalid' } });
    expect(JSON.stringify(refused)).not.toContain(expired);
  });

  it('records the key ring the auth service started with: ids and fingerprints, no key', async () => {
    const [keys] = await trail('action=keys.changed&limit=1');
    expect(keys).toMatchObject({ actor: 'system:auth', detail: { activeKid: 'test', kids: ['k1', 'k2', 'test'], fingerprints: { test: expect.stringMatching(/^[0-9a-f]{16}$/) } } });
    expect(JSON.stringify(keys)).not.toContain('test-suite-signing-key');
  });

  it('follows an upload from the auth service to the transcoder: created, completed, failed', async () => {
    const owner = freshId('uploader');
    const token = tokenFor(owner);
    const body = randomBytes(32 * 1024); // not a video: the transcoder refuses it
    const { videoId, upload } = await createUpload<SingleUpload>(token, { fileName: 'noise.mp4', size: body.length, contentType: 'video/mp4' });
    expect((await putPresigned(upload.put.url, body, 'video/mp4')).status).toBe(200);
    await waitForVideo(videoId, token, (v) => v.status === 'failed');
    // The transcoder records a job's outcome once it is committed: a moment after the video reads failed.
    const events = await pollUntil(() => trail(`video=${videoId}`), (list) => list.length >= 3);
    expect(events.map((e) => [e.action, e.actor])).toEqual([['transcode.failed', 'system:transcoder'], ['upload.completed', owner], ['upload.created', owner]]);
    expect(events[1]!.detail).toEqual({ kind: 'single', bytes: body.length, seenBy: 'transcoder' });
  });

  it('`vidgate audit` reads the same trail as the services\' role, and `vidgate audit verify` finds it intact', async () => {
    const signer = freshId('signer');
    const signed = await api('/v1/sign', { method: 'POST', token: tokenFor(signer, { role: 'admin' }), body: { objectKey: 'demo/welcome.txt', ttl: 60 } });
    expect(signed.status).toBe(201);
    const listed = await vidgate(['audit', '--user', signer]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ action: 'sign.minted', detail: expect.objectContaining({ objectKey: 'demo/welcome.txt', kid: 'test' }) })]);
    const verified = await vidgate(['audit', 'verify']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^chain intact: \d+ events; newest \d+, hash [0-9a-f]{64}\n$/);
  });
});
