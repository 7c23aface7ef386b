import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '@vidgate/common/database/listen';
import { createLogger } from '@vidgate/common/logger';
import { createVideoStore } from '@vidgate/common/video-store';
import { someone, useJobsTable } from '../../../test/support/jobs-table.ts';
import { unitDatabase } from '../../../test/support/unit-database-context.ts';
import { FinalFailure, TRANSCODE_FAILED } from './job-outcome.ts';
import { createJobStore, type JobStore } from './job-store.ts';
import { createWorker, type AttemptResult, type HeldJob, type WorkerDeps } from './worker.ts';

// Workers on the shared queue, with the real database and stand-in attempts:
// how they wake, share jobs, retry, give up, and let go of a job.
const jobsTable = useJobsTable();

const logger = createLogger({ name: 'worker-test', level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.stop()));
});

const store = (options: Partial<Parameters<typeof createJobStore>[1]> = {}): JobStore =>
  createJobStore(jobsTable().pool, { leaseSeconds: 30, maxAttempts: 3, perUser: 1, ...options });

/** A worker with a stand-in attempt, started; its attempts' results are collected. */
async function worker(options: Partial<WorkerDeps> & { run: WorkerDeps['run']; jobs?: JobStore }) {
  const results: AttemptResult[] = [];
  const w = createWorker({
    jobs: store(), name: 'test-host:1', id: `test-host:1#${someone('run')}`, concurrency: 1, leaseSeconds: 30, pollSeconds: 60,
    cleanUp: async () => {}, logger, retryDelaySeconds: () => 0,
    listen: (wake) => listen(unitDatabase(), 'transcode_jobs', wake),
    onAttempt: (_lease, result) => results.push(result),
    ...options,
  });
  await w.start();
  started.push(w);
  return Object.assign(w, { results });
}

/** An attempt that takes `ms`, then ends its job done. */
const succeed = (ms: number, log?: string[]) => async (job: HeldJob) => {
  log?.push(job.lease.videoId);
  await sleep(ms);
  await job.fenced((tx) => tx.end('done'));
  return 'ready' as const;
};

async function enqueue(owner: string, jobs = store()): Promise<string> {
  const id = await jobsTable().video(owner);
  await jobs.enqueue(id, owner);
  return id;
}

const jobRow = async (id: string) => (await jobsTable().pool.query('SELECT state, attempts, last_error, lease_owner FROM transcode_jobs WHERE video_id = $1', [id])).rows[0];
const until = async (what: string, check: () => Promise<boolean>, ms = 10_000) => {
  for (const deadline = Date.now() + ms; !(await check()); await sleep(50)) if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
};

describe('a transcoder worker', { timeout: 15_000 }, () => {
  it('wakes for a queued job through LISTEN, not a poll', async () => {
    const ran: string[] = [];
    await worker({ run: succeed(0, ran) });
    await sleep(200); // idle, waiting
    const queued = Date.now();
    const id = await enqueue(someone('alice'));
    await until('the job ran', async () => ran.includes(id));
    expect(Date.now() - queued).toBeLessThan(1_000); // the poll is 60 s
  });

  it('shares a burst between two workers, one job each at a time', async () => {
    const [ranA, ranB] = [[] as string[], [] as string[]];
    const a = await worker({ run: succeed(300, ranA) });
    const b = await worker({ run: succeed(300, ranB), name: 'test-host:2', id: `test-host:2#${someone('run')}` });
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, a.running, b.running)), 20);
    const ids = await Promise.all([1, 2, 3, 4].map((n) => enqueue(someone(`user-${n}`))));
    await until('all four done', async () => (await Promise.all(ids.map(jobRow))).every((r) => r.state === 'done'));
    clearInterval(watch);
    expect(ranA.length).toBeGreaterThan(0);
    expect(ranB.length).toBeGreaterThan(0);
    expect([...ranA, ...ranB].sort()).toEqual([...ids].sort());
    expect(most).toBe(1);
    expect(a.busySeconds() + b.busySeconds()).toBeGreaterThan(1.1);
  });

  it('retries a failed attempt, and after max attempts ends the job and its video failed, cleaning up each time', async () => {
    let cleanUps = 0;
    const w = await worker({ run: async () => Promise.reject(new Error('MinIO answered 503')), cleanUp: async () => void cleanUps++ });
    const id = await enqueue(someone('alice'));
    await until('the job failed', async () => (await jobRow(id)).state === 'failed');
    expect(w.results).toEqual(['retried', 'retried', 'failed']);
    expect(cleanUps).toBe(3);
    expect(await jobRow(id)).toMatchObject({ attempts: 3, last_error: 'Error: MinIO answered 503' });
    expect(await createVideoStore(jobsTable().pool).get(id)).toMatchObject({ status: 'failed', failureReason: TRANSCODE_FAILED });
  });

  it('fails at once, with its reason, an attempt no retry would change', async () => {
    const w = await worker({ run: async () => Promise.reject(new FinalFailure('the file is not a video')) });
    const id = await enqueue(someone('alice'));
    await until('the job failed', async () => (await jobRow(id)).state === 'failed');
    expect(w.results).toEqual(['failed']);
    expect(await createVideoStore(jobsTable().pool).get(id)).toMatchObject({ status: 'failed', failureReason: 'the file is not a video' });
  });

  it('stops a job whose heartbeats no longer reach the database, which another worker then takes and finishes', async () => {
    const jobs = store({ leaseSeconds: 1 });
    let aborted: unknown;
    // Its renewals fail (the worker lost the database); the rest of the queue still works.
    const cut = await worker({
      jobs: { ...jobs, renew: () => Promise.reject(new Error('connection refused')) }, leaseSeconds: 1,
      run: (job) => new Promise((_resolve, reject) => job.signal.addEventListener('abort', () => reject((aborted = job.signal.reason)))),
    });
    const id = await enqueue(someone('alice'));
    await until('the first worker gave the job up', async () => cut.results.length === 1, 5_000);
    expect(cut.results).toEqual(['lease_lost']);
    expect((aborted as Error).name).toBe('LeaseLost');
    await cut.stop();
    const other = await worker({ jobs: store({ leaseSeconds: 1 }), leaseSeconds: 1, name: 'test-host:2', id: 'test-host:2#b', run: succeed(0) });
    await until('another worker finished it', async () => (await jobRow(id)).state === 'done', 5_000);
    expect(await jobRow(id)).toMatchObject({ attempts: 2, lease_owner: 'test-host:2#b' });
    expect(other.results).toEqual(['ready']);
  });

  it('on stop, puts its running job back with the attempt given back', async () => {
    const w = await worker({ run: (job) => new Promise((_resolve, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason))) });
    const id = await enqueue(someone('alice'));
    await until('the job runs', async () => w.running === 1);
    await w.stop();
    expect(w.results).toEqual(['released']);
    expect(await jobRow(id)).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('ends failed, without running it, a job whose attempts dead workers used up', async () => {
    const jobs = store({ leaseSeconds: 1, maxAttempts: 2 });
    const id = await enqueue(someone('alice'), jobs);
    for (let i = 0; i < 2; i++) {
      await jobs.claim('dead-worker#x');
      await sleep(1_100);
    }
    const w = await worker({ run: () => Promise.reject(new Error('must not run')) });
    await until('the job ended', async () => (await jobRow(id)).state === 'failed');
    expect(w.results).toEqual(['gave_up']);
    expect((await jobRow(id)).last_error).toMatch(/^gave up after 2 attempts/);
    expect(await createVideoStore(jobsTable().pool).get(id)).toMatchObject({ status: 'failed', failureReason: TRANSCODE_FAILED });
  });

  it('takes back at start the job its previous run held when it died, without waiting for the lease', async () => {
    const id = await enqueue(someone('alice'));
    await store().claim('test-host:1#killed'); // a 30 s lease
    const ran: string[] = [];
    await worker({ run: succeed(0, ran) });
    await until('the job ran again', async () => ran.includes(id), 3_000);
    expect(await jobRow(id)).toMatchObject({ state: 'done', attempts: 2 });
  });
});
