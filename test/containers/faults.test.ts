import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestVideo } from '../../services/transcoder/src/test-video.ts';
import { existingCheckout, type Checkout } from '../support/docker/checkout.ts';
import { engineEnv } from '../support/docker/engine.ts';
import { answers, containerIds, healthy, killServiceProcess, restartCount, secondsUntil } from '../support/docker/faults.ts';
import { playedSeconds, settled, waitForVideo } from '../support/pipeline.ts';
import { AUTH, COMPOSE_DIR, ORIGIN, testConfig } from '../support/test-stack.ts';
import { createUpload, putPresigned, type SingleUpload } from '../support/uploads.ts';
import { DEMO_ID, freshId, playback, requestPlayback, tokenFor } from '../support/videos.ts';

// Faults on one host, each followed until the stack has recovered by itself:
// OPERATIONS.md ("What restarts by itself") states the bounds these check.
const RECOVERY_BOUND_MS = 30_000;
const owner = tokenFor(freshId('faults-owner'));
const figure = (message: string) => console.log(`[figures] ${message}`);
let checkout: Checkout;
let work: string;
let clip: Buffer;
let shortClip: Buffer;

beforeAll(async () => {
  checkout = await existingCheckout(COMPOSE_DIR!, engineEnv());
  work = await mkdtemp(join(tmpdir(), 'vidgate-faults-'));
  await generateTestVideo({ output: join(work, 'clip.mp4'), seconds: 20, width: 640, height: 360 });
  await generateTestVideo({ output: join(work, 'short.mp4'), seconds: 2, width: 320, height: 180 });
  clip = await readFile(join(work, 'clip.mp4'));
  shortClip = await readFile(join(work, 'short.mp4'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Uploads a file through the published origin as a client would; returns the video id. */
async function upload(body: Buffer, fileName: string): Promise<string> {
  const { videoId, upload: put } = await createUpload<SingleUpload>(owner, { fileName, size: body.length, contentType: 'video/mp4', title: fileName });
  const res = await putPresigned(put.put.url, body, 'video/mp4');
  expect(res.status, res.text).toBe(200);
  return videoId;
}

async function onlyContainer(service: string): Promise<string> {
  const ids = await containerIds(checkout, service);
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe('faults on one host', () => {
  it('the transcoder killed mid-encode is restarted, and the video still ends ready and plays', async () => {
    const id = await onlyContainer('transcoder');
    const restarts = await restartCount(checkout.env, id);
    const videoId = await upload(clip, 'killed-mid-encode.mp4');
    await waitForVideo(videoId, owner, (v) => v.status === 'processing' && v.progress > 0.05, { timeoutMs: 90_000 });
    const killed = Date.now();
    await killServiceProcess(checkout.env, id);
    const back = await secondsUntil('the transcoder restarted and healthy', async () => (await restartCount(checkout.env, id)) > restarts && (await healthy(checkout.env, id)), 60_000);
    const { video } = await waitForVideo(videoId, owner, settled, { timeoutMs: 240_000, intervalMs: 500 });
    expect(video.status).toBe('ready');
    const ready = (Date.now() - killed) / 1000;
    const { seconds, stderr } = await playedSeconds((await playback(videoId, owner)).masterUrl, work);
    expect(stderr).toBe('');
    expect(Math.abs(seconds - 20)).toBeLessThan(0.5);
    figure(`transcoder SIGKILL mid-encode: healthy again after ${back.toFixed(1)} s, the video ready ${ready.toFixed(0)} s after the kill`);
  });

  it('every service recovers by itself within 30 s of a MinIO restart', async () => {
    const pb = await playback(DEMO_ID, tokenFor('minio-restart-viewer'));
    const restarted = await checkout.compose(['restart', 'minio'], 120_000);
    expect(restarted.code, restarted.stderr).toBe(0);
    const media = await secondsUntil('signed media answers 200', () => answers(pb.posterUrl), RECOVERY_BOUND_MS);
    const ready = await secondsUntil('auth /readyz answers 200', () => answers(`${AUTH}/readyz`), RECOVERY_BOUND_MS);
    const transcoder = await secondsUntil('transcoder /healthz answers 200', () => answers(`${testConfig.transcoder.url}/healthz`), RECOVERY_BOUND_MS);
    // Upload → MinIO's webhook → transcoder → published: every path through MinIO works again.
    const videoId = await upload(shortClip, 'after-minio-restart.mp4');
    const { video } = await waitForVideo(videoId, owner, settled, { timeoutMs: 120_000, intervalMs: 500 });
    expect(video.status).toBe('ready');
    figure(`MinIO restart: media ${media.toFixed(1)} s, auth ready ${ready.toFixed(1)} s, transcoder ${transcoder.toFixed(1)} s after docker compose restart returned; an upload then went through to ready`);
  });

  it('every service recovers by itself within 30 s of a PostgreSQL restart, and an upload made after it is kept', async () => {
    const services = ['auth', 'transcoder'];
    const before = await Promise.all(services.map(async (service) => restartCount(checkout.env, await onlyContainer(service))));
    const restarted = await checkout.compose(['restart', 'postgres'], 120_000);
    expect(restarted.code, restarted.stderr).toBe(0);
    // The pools' connections were all cut: each service must open new ones, not crash or keep refusing.
    const ready = await secondsUntil('auth /readyz answers 200', () => answers(`${AUTH}/readyz`), RECOVERY_BOUND_MS);
    const granted = await secondsUntil('a playback is granted', async () => (await requestPlayback(DEMO_ID, tokenFor('postgres-restart-viewer'))).status === 200, RECOVERY_BOUND_MS);
    const videoId = await upload(shortClip, 'after-postgres-restart.mp4');
    const { video } = await waitForVideo(videoId, owner, settled, { timeoutMs: 120_000, intervalMs: 500 });
    expect(video.status).toBe('ready');
    const after = await Promise.all(services.map(async (service) => restartCount(checkout.env, await onlyContainer(service))));
    expect(after, 'restarts of auth and the transcoder').toEqual(before);
    figure(`PostgreSQL restart: auth ready ${ready.toFixed(1)} s, playback granted ${granted.toFixed(1)} s after docker compose restart returned; no service restarted; an upload then went through to ready`);
  });

  it("nginx's process killed after a reload.sh: Docker restarts the container and the origin answers again", async () => {
    const id = await onlyContainer('nginx');
    // A reload must leave the restart policy in force (a `docker kill -s HUP` would not on this engine).
    const reload = await checkout.run('sh', ['deploy/compose/reload.sh'], 300_000);
    expect(reload.code, reload.stdout + reload.stderr).toBe(0);
    const restarts = await restartCount(checkout.env, id);
    const killed = Date.now();
    await killServiceProcess(checkout.env, id);
    // The killed master's workers can answer for a moment while the kernel ends them: the origin counts as back
    // only once Docker has restarted the container and the new nginx answers.
    await secondsUntil('Docker restarts the container', async () => (await restartCount(checkout.env, id)) === restarts + 1, RECOVERY_BOUND_MS);
    await secondsUntil('the origin answers /healthz again', () => answers(`${ORIGIN}/healthz`), RECOVERY_BOUND_MS);
    const back = (Date.now() - killed) / 1000;
    expect(await restartCount(checkout.env, id)).toBe(restarts + 1);
    const pb = await playback(DEMO_ID, tokenFor('nginx-kill-viewer'));
    expect(await answers(pb.posterUrl)).toBe(true);
    figure(`nginx SIGKILL: the origin answered again after ${back.toFixed(1)} s`);
  });

  it('`docker compose restart auth` during playback: the player finishes the stream', async () => {
    const pb = await playback(DEMO_ID, tokenFor('auth-restart-viewer'));
    const playing = playedSeconds(pb.masterUrl, work, { realtime: true });
    await new Promise((r) => setTimeout(r, 2_000));
    let refused = 0;
    const restart = checkout.compose(['restart', 'auth'], 120_000);
    // What a new viewer sees meanwhile: /v1/ is down only for the seconds auth takes to start.
    const outage = secondsUntil('a new playback is granted again', async () => {
      const res = await requestPlayback(DEMO_ID, tokenFor('auth-restart-newcomer'));
      if (res.status !== 200) refused++;
      return res.status === 200 && (await restart.then(() => true));
    }, 60_000);
    expect((await restart).code).toBe(0);
    const back = await outage;
    const { seconds, stderr } = await playing;
    expect(stderr).toBe('');
    expect(Math.abs(seconds - 12)).toBeLessThan(0.5);
    const id = await onlyContainer('auth');
    await secondsUntil('auth healthy again', () => healthy(checkout.env, id), 60_000);
    figure(`auth restart during playback: the stream played through; new playbacks refused ${refused} times, granted again ${back.toFixed(1)} s after the restart began`);
  });
});
