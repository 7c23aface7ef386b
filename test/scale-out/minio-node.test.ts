import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestVideo } from '../../services/transcoder/src/test-video.ts';
import { existingCheckout, type Checkout } from '../support/docker/checkout.ts';
import { engineEnv } from '../support/docker/engine.ts';
import { containerIds, healthy, secondsUntil } from '../support/docker/faults.ts';
import { playedSeconds, settled, waitForVideo } from '../support/pipeline.ts';
import { COMPOSE_DIR } from '../support/test-stack.ts';
import { createUpload, putPresigned, type SingleUpload } from '../support/uploads.ts';
import { freshId, playback, publishDemoCopy, segmentUris, tokenFor, variantUris } from '../support/videos.ts';

// One node of the 4-node MinIO stopped, as for maintenance: the data plane must
// not notice. Every media request answers 200 in normal time, a playback is no
// slower than 1.5× a healthy one, and an upload goes all the way to playback.
// Every read here is of a copy of the demo no one has fetched yet, so it goes
// through the edge cache to MinIO: the cache must not hide the degraded reads.
const STALL_MS = 1_000;
const figure = (message: string) => console.log(`[figures] ${message}`);
const viewer = tokenFor('node-down-viewer');
let checkout: Checkout;
let work: string;
/** Copies of the demo, each to be played once: three while healthy, three and one more to fetch segment by segment while a node is down. */
const copies = { healthy: [] as string[], degraded: [] as string[], segments: '' };

beforeAll(async () => {
  checkout = await existingCheckout(COMPOSE_DIR!, engineEnv());
  work = await mkdtemp(join(tmpdir(), 'vidgate-node-down-'));
  for (let i = 0; i < 3; i++) copies.healthy.push((await publishDemoCopy(freshId('healthy'))).id);
  for (let i = 0; i < 3; i++) copies.degraded.push((await publishDemoCopy(freshId('degraded'))).id);
  copies.segments = (await publishDemoCopy(freshId('segments'))).id;
});

afterAll(async () => {
  // Back to four nodes, whatever happened.
  await checkout.compose(['start', 'minio3'], 120_000);
  const [id] = await containerIds(checkout, 'minio3');
  if (id) await secondsUntil('minio3 healthy again', () => healthy(checkout.env, id), 120_000);
  await rm(work, { recursive: true, force: true });
});

/** Fetches every segment of every rendition of a video once; returns each request's status and time. */
async function fetchAll(id: string): Promise<{ status: number; ms: number }[]> {
  const pb = await playback(id, viewer);
  const master = await (await fetch(pb.masterUrl)).text();
  const variants = variantUris(master).map((uri) => new URL(uri, pb.masterUrl));
  const segments = (await Promise.all(variants.map(async (url) => segmentUris(await (await fetch(url)).text()).map((uri) => new URL(uri, url).href)))).flat();
  const out: { status: number; ms: number }[] = [];
  for (const url of segments) {
    const started = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    out.push({ status: res.status, ms: performance.now() - started });
  }
  return out;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function playbackSeconds(id: string): Promise<number> {
  const started = performance.now();
  const { seconds, stderr } = await playedSeconds((await playback(id, viewer)).masterUrl, work);
  expect(stderr).toBe('');
  expect(seconds).toBeGreaterThan(11.5);
  return (performance.now() - started) / 1000;
}

describe('one MinIO node stopped', () => {
  it('every media request still answers 200 in normal time, and playback is no slower than 1.5× a healthy one', async () => {
    const healthyRuns = [];
    for (const id of copies.healthy) healthyRuns.push(await playbackSeconds(id));
    const healthyTime = median(healthyRuns);

    const stopped = await checkout.compose(['stop', 'minio3'], 60_000);
    expect(stopped.code, stopped.stderr).toBe(0);
    // Right after the stop, every segment of every rendition, one by one, from MinIO.
    const requests = await fetchAll(copies.segments);
    const bad = requests.filter((r) => r.status !== 200);
    const slowest = Math.max(...requests.map((r) => r.ms));
    expect(bad).toEqual([]);
    expect(slowest).toBeLessThan(STALL_MS);
    const degradedRuns = [];
    for (const id of copies.degraded) degradedRuns.push(await playbackSeconds(id));
    const degradedTime = median(degradedRuns);
    expect(degradedTime).toBeLessThan(1.5 * healthyTime);
    figure(`MinIO node down: ${requests.length} media requests, 0 failed, slowest ${slowest.toFixed(0)} ms, median ${median(requests.map((r) => r.ms)).toFixed(1)} ms; playback ${degradedTime.toFixed(2)} s vs ${healthyTime.toFixed(2)} s healthy (${(degradedTime / healthyTime).toFixed(2)}×)`);
  });

  it('a new upload completes, transcodes and plays while the node is down', async () => {
    const [id] = await containerIds(checkout, 'minio3');
    expect(await healthy(checkout.env, id!).catch(() => false)).toBe(false);
    const file = join(work, 'during-outage.mp4');
    await generateTestVideo({ output: file, seconds: 4, width: 320, height: 180 });
    const body = await readFile(file);
    const owner = tokenFor(freshId('node-down-owner'));
    const { videoId, upload } = await createUpload<SingleUpload>(owner, { fileName: 'during-outage.mp4', size: body.length, contentType: 'video/mp4', title: 'during the outage' });
    const put = await putPresigned(upload.put.url, body, 'video/mp4');
    expect(put.status, put.text).toBe(200);
    const { video } = await waitForVideo(videoId, owner, settled, { timeoutMs: 120_000, intervalMs: 500 });
    expect(video.status).toBe('ready');
    const { seconds, stderr } = await playedSeconds((await playback(videoId, owner)).masterUrl, work);
    expect(stderr).toBe('');
    expect(Math.abs(seconds - 4)).toBeLessThan(0.5);
  });
});
