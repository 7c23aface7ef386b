import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips, type Clips } from '../support/clips.ts';
import { existingCheckout, type Checkout } from '../support/docker/checkout.ts';
import { engineEnv } from '../support/docker/engine.ts';
import { containerIds, healthy, killServiceProcess, restartCount, secondsUntil } from '../support/docker/faults.ts';
import { CONTAINER_PORTS } from '../support/containers.ts';
import { hlsObjectEtags, settled, waitForVideo } from '../support/pipeline.ts';
import { pollUntil } from '../support/poll.ts';
import { scrapeTargets } from '../support/prometheus.ts';
import { run } from '../support/run.ts';
import { COMPOSE_DIR } from '../support/test-stack.ts';
import { jobRow, jobsPool, packageProblems, workerHost } from '../support/transcode-jobs.ts';
import { createUpload, putPresigned, type SingleUpload } from '../support/uploads.ts';
import { freshId, tokenFor } from '../support/videos.ts';

// Two transcoder replicas on the one queue in PostgreSQL (deploy/compose/scale-out.yml):
// a burst is shared, a worker killed mid-job or frozen loses its job to a live
// worker, and no video is left with doubled or missing objects.
const figure = (message: string) => console.log(`[figures] ${message}`);
let checkout: Checkout;
let clips: Clips<'short' | 'long'> | undefined;

beforeAll(async () => {
  checkout = await existingCheckout(COMPOSE_DIR!, engineEnv());
  clips = await makeClips('vidgate-transcoders-', { short: { seconds: 4, width: 320, height: 180 }, long: { seconds: 20, width: 640, height: 360 } });
});

afterAll(async () => {
  await jobsPool.end();
  await clips?.remove();
});

/** Uploads through the published origin as a client would; returns the video id and when the PUT completed. */
async function upload(owner: string, body: Buffer, fileName: string): Promise<{ videoId: string; uploadedAt: number }> {
  const { videoId, upload: put } = await createUpload<SingleUpload>(owner, { fileName, size: body.length, contentType: 'video/mp4', title: fileName });
  const res = await putPresigned(put.put.url, body, 'video/mp4');
  expect(res.status, res.text).toBe(200);
  return { videoId, uploadedAt: Date.now() };
}

/** The transcoder container whose host name (the start of its id) holds the video's job now. */
async function holderOf(videoId: string): Promise<{ container: string; leaseOwner: string }> {
  const row = await pollUntil(() => jobRow(videoId), (r) => r?.state === 'running', { timeoutMs: 60_000, intervalMs: 200 });
  const container = (await containerIds(checkout, 'transcoder')).find((id) => id.startsWith(workerHost(row!.lease_owner)));
  expect(container, `no transcoder container for ${row!.lease_owner}`).toBeDefined();
  return { container: container!, leaseOwner: row!.lease_owner! };
}

/** Starts a 20 s upload and returns once its job runs mid-encode on some worker. */
async function uploadMidEncode(name: string) {
  const owner = tokenFor(freshId(name));
  const { videoId } = await upload(owner, clips!.bytes.long, `${name}.mp4`);
  await waitForVideo(videoId, owner, (v) => v.status === 'processing' && v.progress > 0.05, { timeoutMs: 120_000, intervalMs: 200 });
  return { owner, videoId, ...(await holderOf(videoId)) };
}

describe('transcoder replicas sharing the queue', () => {
  it('are both scraped by Prometheus', async () => {
    const targets = await scrapeTargets('vidgate-transcoder', 2, `http://127.0.0.1:${CONTAINER_PORTS.prometheus}`);
    expect(targets.map((t) => t.health)).toEqual(['up', 'up']);
  });

  it('spread four uploads made at once over both workers, and all four end ready', async () => {
    const owners = [1, 2, 3, 4].map((n) => tokenFor(freshId(`burst-${n}`)));
    const uploads = await Promise.all(owners.map((owner, n) => upload(owner, clips!.bytes.short, `burst-${n}.mp4`)));
    for (const [n, { videoId }] of uploads.entries()) {
      const { video } = await waitForVideo(videoId, owners[n]!, settled, { timeoutMs: 180_000, intervalMs: 250 });
      expect(video.status).toBe('ready');
      expect(await packageProblems(videoId)).toEqual({ missing: [], extra: [] });
    }
    const rows = await Promise.all(uploads.map(({ videoId }) => jobRow(videoId)));
    expect(rows.map((r) => [r?.state, r?.attempts])).toEqual(Array(4).fill(['done', 1]));
    const workers = new Set(rows.map((r) => workerHost(r!.lease_owner)));
    expect(workers.size).toBe(2);
    const waits = uploads.map(({ uploadedAt }, n) => (rows[n]!.started_at!.getTime() - uploadedAt) / 1000).sort((a, b) => a - b);
    figure(`4 uploads at once, 2 transcoder replicas: jobs on ${workers.size} workers; from the PUT's end to the job's start ${waits.map((w) => w.toFixed(1)).join(', ')} s`);
  });

  it('finish the job of a worker killed mid-encode: the restarted worker gives it back at start, and one publish is all that is stored', async () => {
    const { owner, videoId, container, leaseOwner } = await uploadMidEncode('killed-worker');
    const restarts = await restartCount(checkout.env, container);
    const killed = Date.now();
    await killServiceProcess(checkout.env, container);
    const back = secondsUntil('the killed worker restarted and healthy', async () => (await restartCount(checkout.env, container)) > restarts && (await healthy(checkout.env, container)), 90_000);
    const retaken = await pollUntil(() => jobRow(videoId), (r) => r?.state !== 'running' || r.lease_owner !== leaseOwner, { timeoutMs: 90_000, intervalMs: 200 });
    expect(retaken?.lease_owner).not.toBe(leaseOwner);
    const takenAfter = (Date.now() - killed) / 1000;
    const taker = workerHost(retaken!.lease_owner) === workerHost(leaseOwner) ? 'its restarted worker' : 'the other worker';
    const { video } = await waitForVideo(videoId, owner, settled, { timeoutMs: 240_000, intervalMs: 500 });
    expect(video.status).toBe('ready');
    const row = (await jobRow(videoId))!;
    expect(row).toMatchObject({ state: 'done', attempts: 2 });
    expect(row.lease_owner).not.toBe(leaseOwner);
    expect(await packageProblems(videoId)).toEqual({ missing: [], extra: [] });
    figure(`transcoder replica SIGKILL mid-encode: job taken again by ${taker} ${takenAfter.toFixed(1)} s after the kill (the lease is ${checkout.settings.VIDGATE_TRANSCODER_LEASE ?? 30} s); the replica healthy again ${(await back).toFixed(1)} s after the kill; ready ${((Date.now() - killed) / 1000).toFixed(0)} s after the kill`);
  });

  it('take the job of a frozen worker once its lease runs out; thawed, the worker publishes nothing', async () => {
    const { owner, videoId, container, leaseOwner } = await uploadMidEncode('frozen-worker');
    const paused = await run('docker', ['pause', container], { env: checkout.env });
    expect(paused.code, paused.stderr).toBe(0);
    const frozen = Date.now();
    try {
      const row = await pollUntil(() => jobRow(videoId), (r) => r?.state === 'running' && r.lease_owner !== leaseOwner, { timeoutMs: 120_000, intervalMs: 200 });
      const takenAfter = (Date.now() - frozen) / 1000;
      expect(workerHost(row!.lease_owner)).not.toBe(workerHost(leaseOwner));
      expect(row!.attempts).toBe(2);
      const { video } = await waitForVideo(videoId, owner, settled, { timeoutMs: 240_000, intervalMs: 500 });
      expect(video.status).toBe('ready');
      figure(`transcoder replica frozen (docker pause) mid-encode: the other worker took its job ${takenAfter.toFixed(1)} s later (lease ${checkout.settings.VIDGATE_TRANSCODER_LEASE ?? 30} s); ready ${((Date.now() - frozen) / 1000).toFixed(0)} s after the freeze`);
    } finally {
      const thawed = await run('docker', ['unpause', container], { env: checkout.env });
      expect(thawed.code, thawed.stderr).toBe(0);
    }
    const published = await hlsObjectEtags(videoId);
    // Thawed, its next heartbeat finds the lease gone: ffmpeg is stopped and nothing is written.
    await secondsUntil('the thawed worker healthy again', () => healthy(checkout.env, container), 60_000);
    await new Promise((r) => setTimeout(r, 15_000));
    expect(await hlsObjectEtags(videoId)).toEqual(published);
    expect(await packageProblems(videoId)).toEqual({ missing: [], extra: [] });
    expect(await jobRow(videoId)).toMatchObject({ state: 'done', attempts: 2 });
  });
});
