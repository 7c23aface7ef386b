import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@vidgate/common/logger';
import { videoKeys } from '@vidgate/common/video';
import { createVideoStore } from '@vidgate/common/video-store';
import { someone, useJobsTable } from '../../../test/support/jobs-table.ts';
import { createJobStore } from './job-store.ts';
import { createTranscodeJob, ENCODE_SHARE } from './transcode-job.ts';
import { generateTestVideo } from './test-video.ts';
import { loadTranscoderConfig } from './transcoder-config.ts';
import type { HeldJob } from './worker.ts';

// One attempt of a real job (real ffmpeg, the unit project's PostgreSQL for the
// fences and the record), watched through the progress its record shows. The
// bucket is a stand-in that keeps object names and reads the record at every
// upload: a reader's view of the progress while the package is published. The
// stack's pipeline test runs the same job against MinIO.
const jobsTable = useJobsTable();

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidgate-transcode-job-'));
  clip = join(dir, 'clip.mp4');
  await generateTestVideo({ output: clip, seconds: 6, width: 640, height: 360 });
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The few calls the job makes to MinIO; each upload also notes the progress a reader of the record sees then. */
function bucketStandIn(source: string, onPut: (key: string) => Promise<void>): Client {
  const keys = new Set<string>();
  const bucket = {
    statObject: async () => ({ size: 1 }),
    fGetObject: async (_bucket: string, _key: string, path: string) => copyFile(source, path),
    async putObject(_bucket: string, key: string, body: Readable) {
      for await (const _chunk of body); // read it all, as an upload does
      await onPut(key);
      keys.add(key);
    },
    listObjectsV2: (_bucket: string, prefix: string) => [...keys].filter((k) => k.startsWith(prefix)).map((name) => ({ name })).values(),
    removeObjects: async (_bucket: string, names: string[]) => names.forEach((n) => keys.delete(n)),
  };
  return bucket as unknown as Client;
}

describe('a transcode job', { timeout: 60_000 }, () => {
  it('shows rising progress: the encode up to its share, then publishing in steps short of 1, then 1 with ready', async () => {
    const { pool } = jobsTable();
    const videos = createVideoStore(pool);
    const jobs = createJobStore(pool, { leaseSeconds: 30, maxAttempts: 3, perUser: 1 });
    const owner = someone('alice');
    const videoId = await jobsTable().video(owner);
    await jobs.enqueue(videoId, owner);
    const lease = (await jobs.claim('test-worker'))!;
    const job: HeldJob = { lease, signal: new AbortController().signal, fenced: (work) => jobs.fenced(lease, work) };

    // Reads one after another, so they are seen in the order the database answered them.
    const seen: { progress: number; status: string; during: string }[] = [];
    let reads = Promise.resolve();
    const look = (during: string) => (reads = reads.then(async () => {
      const video = await videos.get(videoId);
      seen.push({ progress: video!.progress, status: video!.status, during });
    }));
    const watching = setInterval(() => look('encode'), 50);
    const config = loadTranscoderConfig({ VIDGATE_TRANSCODER_WORK_DIR: dir });
    const transcode = createTranscodeJob({
      config,
      sandbox: { limits: config.transcoder.limits },
      client: bucketStandIn(clip, (key) => look(`publish ${key.slice(videoKeys.hlsPrefix(videoId).length)}`)),
      videos,
      logger: createLogger({ name: 'transcode-job-test', level: 'silent' }),
    });
    try {
      expect(await transcode.run(job)).toBe('ready');
    } finally {
      clearInterval(watching);
    }
    await look('after');

    const values = seen.map((s) => s.progress);
    expect(values.every((v, i) => i === 0 || v >= values[i - 1]!), values.join(' ')).toBe(true);
    const publishing = seen.filter((s) => s.during.startsWith('publish'));
    expect(publishing.some((s) => s.progress > ENCODE_SHARE && s.progress < 1), values.join(' ')).toBe(true);
    // Nothing published shows 1 or ready before the master: only the last fence writes them.
    expect(publishing.filter((s) => s.progress === 1 || s.status === 'ready')).toEqual([]);
    expect(publishing.at(-1)?.during).toBe('publish master.m3u8');
    expect(seen.at(-1)).toMatchObject({ progress: 1, status: 'ready' });
    expect((await videos.get(videoId))!.renditions.map((r) => `${r.kind} ${r.name}`)).toEqual(['video 240p', 'video 360p', 'audio audio']);
  });
});
