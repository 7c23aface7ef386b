import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotificationConfig, ObjectCreatedAll, QueueConfig } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoKeys } from '@vidgate/common/video';
import { COMMON_ARGS } from '../services/transcoder/src/ffmpeg-args.ts';
import { runFfmpeg } from '../services/transcoder/src/run-ffmpeg.ts';
import { generateTestVideo } from '../services/transcoder/src/test-video.ts';
import { BUCKET, rootClient } from './support/media-fixtures.ts';
import { hlsObjectEtags, isStackService, minioEvent, playedSeconds, postMinioEvent, scrapeTranscoder, settled, stackPid, waitForVideo, type VideoView } from './support/pipeline.ts';
import { eventually } from './support/poll.ts';
import { sum } from './support/prometheus.ts';
import { testConfig } from './support/test-stack.ts';
import { api, createUpload, putPresigned, type SingleUpload } from './support/uploads.ts';
import { freshId, playback, tokenFor } from './support/videos.ts';

// Upload → MinIO event → transcoder → HLS → playback, end to end, including
// what goes wrong: a file that is not a video, a repeated event, a transcoder
// killed mid-job.
const ownerSub = freshId('pipeline-owner');
const owner = tokenFor(ownerSub);
const JOBS = 'vidgate_transcode_jobs_total';

let work: string;
let shortClip: string;
let longClip: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-pipeline-'));
  shortClip = join(work, 'short.mp4');
  longClip = join(work, 'long.mp4');
  await generateTestVideo({ output: shortClip, seconds: 4, width: 320, height: 180 });
  await generateTestVideo({ output: longClip, seconds: 20, width: 640, height: 360 });
});

/** Videos whose transcoder was killed mid-job: it leaves their work folder behind. */
const killedJobs: string[] = [];

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  const jobDir = testConfig.transcoder.workDir ?? tmpdir();
  const leftovers = (await readdir(jobDir)).filter((name) => killedJobs.some((id) => name.startsWith(`vidgate-${id}-`)));
  for (const name of leftovers) await rm(join(jobDir, name), { recursive: true, force: true });
});

/** Creates an upload for the file and PUTs it as the client would; returns the video id. */
async function upload(path: string, fileName: string, token = owner): Promise<string> {
  const body = await readFile(path);
  const { videoId, upload } = await createUpload<SingleUpload>(token, { fileName, size: body.length, contentType: 'video/mp4', title: fileName });
  const res = await putPresigned(upload.put.url, body, 'video/mp4');
  expect(res.status, res.text).toBe(200);
  return videoId;
}

// (a) is the fixture of (c) and (e); memoised so each can run alone.
let shortReady: Promise<{ id: string; video: VideoView; seen: string[] }> | undefined;
const readyShortClip = () =>
  (shortReady ??= (async () => {
    const id = await upload(shortClip, 'short.mp4');
    const { video, seen } = await waitForVideo(id, owner, settled, { timeoutMs: 60_000 });
    return { id, video, seen };
  })());

describe('an uploaded video', () => {
  it('is transcoded to ready within 60 s and plays for its whole length', async () => {
    const { id, video, seen } = await readyShortClip();
    expect({ status: video.status, failureReason: video.failureReason }).toEqual({ status: 'ready', failureReason: undefined });
    expect(seen).not.toContain('failed');
    expect(video.progress).toBe(1);
    expect(video.durationSeconds).toBeCloseTo(4, 0);
    expect(video.renditions).toEqual([expect.objectContaining({ kind: 'video', width: 320, height: 180 }), expect.objectContaining({ kind: 'audio', name: 'audio' })]);
    expect((await hlsObjectEtags(id)).map((o) => o.key)).toContain('master.m3u8');

    const pb = await playback(id, owner);
    const played = await playedSeconds(pb.masterUrl, work);
    expect(played.stderr).toBe('');
    expect(Math.abs(played.seconds - 4)).toBeLessThan(0.5);
  });

  it('that is not a video ends failed with a reason worded for its uploader, and publishes nothing', async () => {
    const text = join(work, 'notes.mp4');
    await writeFile(text, 'These are my meeting notes, not a video.\n'.repeat(100));
    const id = await upload(text, 'notes.mp4');
    const { video } = await waitForVideo(id, owner, settled, { timeoutMs: 60_000 });
    expect(video.status).toBe('failed');
    expect(video.failureReason).toMatch(/^[\w ,.;:'()-]{10,200}$/); // one readable sentence: no paths, no stack
    expect(await hlsObjectEtags(id)).toEqual([]);
    // VIDGATE_FAILED_UPLOADS=keep (the default): the source stays for inspection.
    expect((await rootClient.statObject(BUCKET, videoKeys.source(id))).size).toBe((await readFile(text)).length);
    const pb = await api(`/v1/videos/${id}/playback`, { token: owner });
    expect(pb).toMatchObject({ status: 409, body: { error: 'video_not_ready' } });
  });

  // What a hostile uploader tried: a tiny file declaring 8K held the only worker for 16 s at 820 MB;
  // a playlist named .mp4 had ffprobe open the local files it lists.
  it.each([
    ['declares 8K video in a few kilobytes', 'eightk.mp4', 'the video is 7680×4320 (33.2 MP); at most 8.3 MP is accepted'],
    ['is a playlist naming a local file', 'listing.mp4', 'playlists are not accepted; upload the video file itself'],
  ])('that %s is refused at probe time, in seconds, with its reason', async (_what, name, reason) => {
    const file = join(work, name);
    if (name === 'eightk.mp4') {
      await runFfmpeg({ args: [...COMMON_ARGS, '-f', 'lavfi', '-i', 'color=c=black:s=7680x4320:r=1:d=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file], durationSeconds: 1 });
      expect((await readFile(file)).length).toBeLessThan(100_000);
    } else {
      await writeFile(file, '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n/etc/hostname\n#EXT-X-ENDLIST\n');
    }
    const id = await upload(file, name);
    const started = Date.now();
    const { video } = await waitForVideo(id, owner, settled, { timeoutMs: 60_000 });
    expect({ status: video.status, failureReason: video.failureReason }).toEqual({ status: 'failed', failureReason: reason });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await hlsObjectEtags(id)).toEqual([]);
  });
});

describe('the upload webhook', () => {
  it('never sent (MinIO restarted as the upload landed): the transcoder\'s sweep finds the source, and the video ends ready', async () => {
    // The rule init.sh made, removed while the upload lands, then made again as it was.
    const before = await rootClient.getBucketNotification(BUCKET);
    const rule = new QueueConfig('arn:minio:sqs::VIDGATE:webhook');
    rule.addEvent(ObjectCreatedAll);
    rule.addFilterPrefix('uploads/');
    rule.addFilterSuffix('/source');
    const config = new NotificationConfig();
    config.add(rule);
    let id: string;
    await rootClient.removeAllBucketNotification(BUCKET);
    try {
      id = await upload(shortClip, 'no-event.mp4');
    } finally {
      await rootClient.setBucketNotification(BUCKET, config);
    }
    expect(await rootClient.getBucketNotification(BUCKET)).toEqual(before);
    // The sweep runs every 20 s for uploads 10 s old; the job may queue behind other files' transcodes.
    const { video, seen } = await waitForVideo(id, owner, settled, { timeoutMs: 150_000, intervalMs: 500 });
    expect({ status: video.status, seen: seen[0] }).toEqual({ status: 'ready', seen: 'uploading' });
  }, 180_000);

  it('given the same event twice, concurrently, leaves the published renditions as they were', async () => {
    const { id } = await readyShortClip();
    const before = await hlsObjectEtags(id);
    expect(before.length).toBeGreaterThan(0);
    const jobs = async (outcome: string) => sum(await scrapeTranscoder(), JOBS, (l) => l.outcome === outcome);
    const readyBefore = await jobs('ready');
    const skippedBefore = await jobs('skipped');
    const { etag } = await rootClient.statObject(BUCKET, videoKeys.source(id));

    const answers = await Promise.all([postMinioEvent(minioEvent(id, etag)), postMinioEvent(minioEvent(id, etag))]);
    expect(answers).toEqual([{ status: 200, body: { queued: 1 } }, { status: 200, body: { queued: 1 } }]);

    // The job queues behind whatever the other test files are transcoding on the stack's one worker: give it the time a video takes.
    await eventually('a skipped job counted', async () => ((await jobs('skipped')) > skippedBefore ? true : undefined), 120_000);
    await eventually('the transcode queue drained', async () => (sum(await scrapeTranscoder(), 'vidgate_transcode_queue_depth') === 0 ? true : undefined), 120_000);
    // One job or two (the second event may find the first queued), each skipped: nothing transcoded.
    expect((await jobs('skipped')) - skippedBefore).toBeGreaterThanOrEqual(1);
    expect((await jobs('skipped')) - skippedBefore).toBeLessThanOrEqual(2);
    expect(await jobs('ready')).toBe(readyBefore);
    expect(await hlsObjectEtags(id)).toEqual(before);
    const { body } = await api(`/v1/videos/${id}`, { token: owner });
    expect(body).toMatchObject({ status: 'ready', progress: 1 });
  });

  it('refuses an event with the wrong token (401) and queues nothing', async () => {
    const { id } = await readyShortClip();
    const events = async (result: string) => sum(await scrapeTranscoder(), 'vidgate_upload_events_total', (l) => l.result === result);
    const [unauthorized, queued] = [await events('unauthorized'), await events('queued')];
    const token = testConfig.transcoder.webhookToken;
    for (const wrong of [`${token.slice(0, -1)}${token.endsWith('X') ? 'Y' : 'X'}`, '', `${token}x`]) {
      const res = await postMinioEvent(minioEvent(id, 'x'), wrong);
      expect(res).toMatchObject({ status: 401, body: { error: 'token_invalid' } });
    }
    expect(await events('unauthorized')).toBe(unauthorized + 3);
    expect(await events('queued')).toBe(queued);
  });
});

describe('users take turns for the transcoder (one job at a time in the test stack)', () => {
  it("one user's burst of three uploads does not hold back another user's one: the ready order is A, B, A, A", async () => {
    const alice = tokenFor(freshId('fair-alice'));
    const bob = tokenFor(freshId('fair-bob'));
    // Alice's first upload is the long clip, so that her other two, and then Bob's, queue while it runs.
    const burst = [await upload(longClip, 'burst-1.mp4', alice)];
    for (let n = 2; n <= 3; n++) burst.push(await upload(shortClip, `burst-${n}.mp4`, alice));
    const single = await upload(shortClip, 'single.mp4', bob);
    await eventually('all four jobs queued or running', async () => (sum(await scrapeTranscoder(), 'vidgate_transcode_queue_depth') === 4 ? true : undefined), 30_000);
    expect(sum(await scrapeTranscoder(), 'vidgate_transcode_oldest_waiting_seconds')).toBeGreaterThan(0);
    expect((await api(`/v1/videos/${burst[0]}`, { token: alice })).body.status).toBe('processing'); // the race the test is about is still on

    const readyAt = new Map<string, number>();
    const all = [...burst.map((id) => ({ id, token: alice })), { id: single, token: bob }];
    for (let polls = 0; readyAt.size < all.length && polls < 1200; polls++) {
      for (const { id, token } of all) {
        if (readyAt.has(id)) continue;
        const res = await api(`/v1/videos/${id}`, { token });
        if (res.body.status === 'ready' || res.body.status === 'failed') readyAt.set(id, Date.now());
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const order = [...readyAt.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => (id === single ? 'B' : 'A'));
    expect(order).toEqual(['A', 'B', 'A', 'A']);
  }, 180_000);
});

// Kills a local process by its pid file: not applicable when the stack runs in containers.
describe.skipIf(process.env.VIDGATE_TEST_TARGET === 'containers')('a transcoder killed mid-job', () => {
  it('is restarted by the stack, takes back the job its killed run held without waiting for the lease, and the video ends ready and plays', async () => {
    const id = await upload(longClip, 'long.mp4');
    // Mid-job for real: ffmpeg has written part of the ladder, and some remains.
    const { video } = await waitForVideo(id, owner, (v) => v.status !== 'uploading' && (v.status !== 'processing' || v.progress >= 0.1), { timeoutMs: 60_000, intervalMs: 50 });
    expect(video.status).toBe('processing');
    expect(video.progress).toBeLessThan(0.9);

    const pid = await stackPid('transcoder');
    expect(pid).toBeDefined();
    expect(await isStackService(pid!, 'transcoder'), `pid ${pid} is not this stack's transcoder`).toBe(true);
    killedJobs.push(id);
    process.kill(pid!, 'SIGKILL');
    console.log(`[pipeline] killed transcoder ${pid} at progress ${video.progress}`);
    expect((await waitForVideo(id, owner, () => true, { timeoutMs: 5_000 })).video.status).toBe('processing');

    const restarted = await eventually('a new transcoder pid', async () => {
      const now = await stackPid('transcoder');
      return now !== undefined && now !== pid && (await isStackService(now, 'transcoder')) ? now : undefined;
    }, 30_000);
    console.log(`[pipeline] transcoder restarted as ${restarted}`);

    const done = await waitForVideo(id, owner, settled, { timeoutMs: 90_000 });
    expect({ status: done.video.status, failureReason: done.video.failureReason }).toEqual({ status: 'ready', failureReason: undefined });
    expect(done.video.durationSeconds).toBeCloseTo(20, 0);
    const played = await playedSeconds((await playback(id, owner)).masterUrl, work);
    expect(played.stderr).toBe('');
    expect(Math.abs(played.seconds - 20)).toBeLessThan(0.5);
  });
});

describe('GET /v1/videos', () => {
  it("lists the caller's own videos only, and another user cannot read a private one", async () => {
    const { id: mine } = await readyShortClip();
    const otherSub = freshId('pipeline-other');
    const other = tokenFor(otherSub);
    const { videoId: theirs } = await createUpload<SingleUpload>(other, { fileName: 'theirs.mp4', size: 1_000, contentType: 'video/mp4', visibility: 'private' });

    const ownList = await api('/v1/videos', { token: owner });
    expect(ownList.status).toBe(200);
    const ownIds = (ownList.body.videos as VideoView[]).map((v) => v.id);
    expect(ownIds).toContain(mine);
    expect(ownIds).not.toContain(theirs);
    expect((ownList.body.videos as VideoView[]).filter((v) => v.owner !== ownerSub)).toEqual([]);

    const otherList = await api('/v1/videos', { token: other });
    expect((otherList.body.videos as VideoView[]).map((v) => v.id)).toEqual([theirs]);

    const peek = await api(`/v1/videos/${mine}`, { token: other });
    expect([403, 404]).toContain(peek.status);
    expect(JSON.stringify(peek.body)).not.toContain('short.mp4');
  });
});
