import { describe, expect, it } from 'vitest';
import { listen } from '@vidgate/common/database/listen';
import { someone, useJobsTable } from '../../../test/support/jobs-table.ts';
import { unitDatabase } from '../../../test/support/unit-database-context.ts';
import { createJobStore, LeaseLost, type JobStore, type Lease } from './job-store.ts';

// The shared transcode queue on the unit project's PostgreSQL: what the
// in-memory queue guaranteed (one job per video, users in turns, a per-user
// cap), now over several workers, plus leases.
const jobsTable = useJobsTable();

const store = (options: Partial<Parameters<typeof createJobStore>[1]> = {}): JobStore => createJobStore(jobsTable().pool, { leaseSeconds: 30, maxAttempts: 3, perUser: 1, ...options });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const done = (jobs: JobStore, lease: Lease) => jobs.fenced(lease, (tx) => tx.end('done'));

/** Queues videos for owners, in this order; returns a name → video id map. */
async function queue(jobs: JobStore, entries: [name: string, owner: string][]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const [name, owner] of entries) {
    const id = await jobsTable().video(owner);
    expect(await jobs.enqueue(id, owner)).toBe(true);
    ids.set(name, id);
  }
  return ids;
}

/** Claims and finishes one job at a time until none is left; the names in the order they started. */
async function drainInOrder(jobs: JobStore, ids: Map<string, string>): Promise<string[]> {
  const names = new Map([...ids].map(([name, id]) => [id, name]));
  const order: string[] = [];
  for (let lease = await jobs.claim('w1'); lease; lease = await jobs.claim('w1')) {
    order.push(names.get(lease.videoId)!);
    await done(jobs, lease);
  }
  return order;
}

describe('the transcode queue in PostgreSQL', { timeout: 15_000 }, () => {
  it('holds one job per video: a repeated event while it is queued or running does nothing, one after it ended queues it afresh', async () => {
    const jobs = store();
    const alice = someone('alice');
    const id = await jobsTable().video(alice);
    expect(await jobs.enqueue(id, alice)).toBe(true);
    expect(await jobs.enqueue(id, alice)).toBe(false); // queued
    const lease = (await jobs.claim('w1'))!;
    expect(lease).toMatchObject({ videoId: id, owner: alice, attempt: 1, maxAttempts: 3, exhausted: false });
    expect(await jobs.enqueue(id, alice)).toBe(false); // running
    expect(await jobs.claim('w2')).toBeUndefined();
    await done(jobs, lease);
    expect(await jobs.enqueue(id, alice)).toBe(true); // ended: a later event may run it again
    expect((await jobs.claim('w1'))!.attempt).toBe(1);
    expect(await jobs.enqueue('no-such-video', alice)).toBe(false);
  });

  it("takes users in turns: one user's burst does not hold back another user's one upload", async () => {
    const jobs = store();
    const [alice, bob, carol] = [someone('alice'), someone('bob'), someone('carol')];
    const ids = await queue(jobs, [
      ...[1, 2, 3, 4, 5].map((n): [string, string] => [`alice-${n}`, alice]),
      ['bob-1', bob], ['carol-1', carol], ['bob-2', bob],
    ]);
    expect(await drainInOrder(jobs, ids)).toEqual(['alice-1', 'bob-1', 'carol-1', 'alice-2', 'bob-2', 'alice-3', 'alice-4', 'alice-5']);
  });

  it('runs at most perUser jobs of one user over all workers, and gives the free slots to others', async () => {
    const [w1, w2] = [store({ perUser: 2 }), store({ perUser: 2 })];
    const [alice, bob] = [someone('alice'), someone('bob')];
    const ids = await queue(w1, [1, 2, 3, 4].map((n): [string, string] => [`alice-${n}`, alice]));
    const first = [await w1.claim('w1'), await w2.claim('w2'), await w1.claim('w1')];
    expect(first.map((l) => l?.videoId)).toEqual([ids.get('alice-1'), ids.get('alice-2'), undefined]); // a slot stays free for someone else
    const bobs = await queue(w1, [['bob-1', bob]]);
    expect((await w2.claim('w2'))?.videoId).toBe(bobs.get('bob-1'));
    await done(w1, first[0]!);
    expect((await w2.claim('w2'))?.videoId).toBe(ids.get('alice-3'));
  });

  it('keeps the per-user cap when two workers claim at the same moment', async () => {
    const [w1, w2] = [store({ perUser: 2 }), store({ perUser: 2 })];
    const alice = someone('alice');
    await queue(w1, [1, 2, 3, 4, 5, 6].map((n): [string, string] => [`alice-${n}`, alice]));
    const leases = (await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? w1 : w2).claim(`w${i % 2}`)))).filter(Boolean);
    expect(leases).toHaveLength(2);
  });

  it('never gives two concurrent claimers the same job', async () => {
    const [w1, w2] = [store({ perUser: 5 }), store({ perUser: 5 })];
    await queue(w1, Array.from({ length: 20 }, (_, n): [string, string] => [`job-${n}`, someone(`owner-${n % 7}`)]));
    const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? w1 : w2).claim(`w${i % 2}`)));
    const taken = claims.filter((l): l is Lease => l !== undefined).map((l) => l.videoId);
    expect(taken).toHaveLength(20);
    expect(new Set(taken).size).toBe(20);
  });

  it('gives a job whose lease ran out to another worker, and the first holder can no longer write', async () => {
    const jobs = store({ leaseSeconds: 1 });
    const alice = someone('alice');
    const [id] = [...(await queue(jobs, [['a', alice]])).values()];
    const first = (await jobs.claim('dead-worker'))!;
    expect(await jobs.claim('w2')).toBeUndefined();
    await sleep(1_100);
    const second = (await jobs.claim('w2'))!;
    expect(second).toMatchObject({ videoId: id, attempt: 2 });
    expect(second.id).not.toBe(first.id);
    expect(await jobs.renew(first)).toBe(false);
    await expect(jobs.fenced(first, (tx) => tx.end('done'))).rejects.toBeInstanceOf(LeaseLost);
    await done(jobs, second);
    expect(await jobs.stats()).toEqual({ queued: 0, running: 0, expired: 0, oldestWaitingSeconds: 0 });
  });

  it('keeps a job its worker renews, and lets another take it once the heartbeats stop', async () => {
    const jobs = store({ leaseSeconds: 2 });
    await queue(jobs, [['a', someone('alice')]]);
    const lease = (await jobs.claim('w1'))!;
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      expect(await jobs.renew(lease)).toBe(true);
      expect(await jobs.claim('w2')).toBeUndefined();
    }
    // Heartbeats stop (the worker froze, or lost the database).
    await sleep(2_100);
    expect(await jobs.stats()).toMatchObject({ running: 0, expired: 1 });
    expect((await jobs.claim('w2'))?.attempt).toBe(2);
    expect(await jobs.renew(lease)).toBe(false);
  });

  it('after max attempts, offers the job once more only to be ended failed, with the last error kept', async () => {
    const jobs = store({ leaseSeconds: 1, maxAttempts: 2 });
    const alice = someone('alice');
    const [id] = [...(await queue(jobs, [['a', alice]])).values()];
    for (const attempt of [1, 2]) {
      expect(await jobs.claim('dying')).toMatchObject({ attempt, exhausted: false });
      await sleep(1_100);
    }
    const last = (await jobs.claim('w2'))!;
    expect(last).toMatchObject({ videoId: id, attempt: 2, maxAttempts: 2, exhausted: true });
    await jobs.fenced(last, (tx) => tx.end('failed', 'gave up'));
    expect(await jobs.claim('w2')).toBeUndefined();
    const { rows } = await jobsTable().pool.query('SELECT state, attempts, last_error FROM transcode_jobs WHERE video_id = $1', [id]);
    expect(rows).toEqual([{ state: 'failed', attempts: 2, last_error: 'gave up' }]);
  });

  it('holds a retried job back for its back-off, and says when to look again', async () => {
    const jobs = store();
    await queue(jobs, [['a', someone('alice')]]);
    const lease = (await jobs.claim('w1'))!;
    await jobs.fenced(lease, (tx) => tx.requeue({ error: 'MinIO answered 503', delaySeconds: 1 }));
    expect(await jobs.claim('w1')).toBeUndefined();
    const wake = await jobs.nextWakeSeconds();
    expect(wake).toBeGreaterThan(0.5);
    expect(wake).toBeLessThanOrEqual(1);
    await sleep(1_050);
    expect(await jobs.claim('w1')).toMatchObject({ attempt: 2, lastError: 'MinIO answered 503' });
  });

  it('gives back a stopping worker\'s attempt, and makes a restarted worker\'s earlier leases claimable at once', async () => {
    const jobs = store();
    await queue(jobs, [['a', someone('alice')], ['b', someone('bob')]]);
    const stopping = (await jobs.claim('host:8083#old'))!;
    await jobs.fenced(stopping, (tx) => tx.requeue({ giveAttemptBack: true }));
    const crashed = (await jobs.claim('host:8083#old'))!;
    expect(crashed.attempt).toBe(1);
    const other = (await jobs.claim('host:8084#live'))!;
    expect(await jobs.expireLeasesOf('host:8083', 'host:8083#new')).toEqual([crashed.videoId]);
    expect(await jobs.renew(other)).toBe(true); // another worker's lease is left alone
    expect(await jobs.claim('host:8083#new')).toMatchObject({ videoId: crashed.videoId, attempt: 2 });
  });

  it('writes the video in the transaction that holds the job, rolled back with it; no claim takes a job its holder is writing', async () => {
    const jobs = store({ leaseSeconds: 2 });
    const alice = someone('alice');
    const id = (await queue(jobs, [['a', alice]])).get('a')!;
    const lease = (await jobs.claim('w1'))!;
    await expect(jobs.fenced(lease, async (tx) => {
      const video = (await tx.videos.get(id))!;
      await tx.videos.put({ ...video, status: 'processing', progress: 0.5 });
      throw new Error('publishing failed');
    })).rejects.toThrow('publishing failed');
    const status = async () => (await jobsTable().pool.query('SELECT status FROM videos WHERE id = $1', [id])).rows[0].status;
    expect(await status()).toBe('uploading');
    // While a fence holds the row, no other worker can take the job, even past the lease.
    const holding = jobs.fenced(lease, async (tx) => {
      for (let i = 0; i < 5; i++) {
        await sleep(500);
        expect(await jobs.renew(lease)).toBe(true); // the holder's heartbeat goes through its own transaction
      }
      const video = (await tx.videos.get(id))!;
      await tx.videos.put({ ...video, status: 'ready', progress: 1 });
      await tx.end('done');
    });
    await sleep(2_200); // past the lease the claim renewed last
    expect(await jobs.claim('w2')).toBeUndefined();
    await holding;
    expect(await status()).toBe('ready');
  });

  it("lets a video's deletion wait for the fence that is writing it, not deadlock with it, and then ends the job", async () => {
    const jobs = store();
    const id = (await queue(jobs, [['a', someone('alice')]])).get('a')!;
    const lease = (await jobs.claim('w1'))!;
    const order: string[] = [];
    const writing = jobs.fenced(lease, async (tx) => {
      await sleep(300);
      const video = (await tx.videos.get(id))!;
      await tx.videos.put({ ...video, status: 'ready', progress: 1 });
      await tx.end('done');
      order.push('published');
    });
    await sleep(100);
    await jobsTable().pool.query('DELETE FROM videos WHERE id = $1', [id]); // as DELETE /v1/videos/:id removes the record
    order.push('deleted');
    await writing;
    expect(order).toEqual(['published', 'deleted']);
    expect(await jobsTable().pool.query('SELECT 1 FROM transcode_jobs WHERE video_id = $1', [id])).toMatchObject({ rowCount: 0 });
    await expect(jobs.fenced(lease, async () => {})).rejects.toBeInstanceOf(LeaseLost);
  });

  it('counts what waits and runs, and how long the oldest has waited', async () => {
    const jobs = store({ perUser: 1 });
    const alice = someone('alice');
    await queue(jobs, [['a1', alice], ['a2', alice], ['b1', someone('bob')]]);
    await jobs.claim('w1');
    await sleep(200);
    const stats = await jobs.stats();
    expect(stats).toMatchObject({ queued: 2, running: 1, expired: 0 });
    expect(stats.oldestWaitingSeconds).toBeGreaterThanOrEqual(0.2);
  });

  it('notifies listeners when a job is queued and when one ends', async () => {
    const jobs = store();
    const heard: (string | undefined)[] = [];
    const listening = listen(unitDatabase(), 'transcode_jobs', (payload) => heard.push(payload));
    try {
      await listening.ready;
      const [id] = [...(await queue(jobs, [['a', someone('alice')]])).values()];
      await sleep(100);
      const lease = (await jobs.claim('w1'))!;
      expect(lease.videoId).toBe(id);
      await done(jobs, lease);
      await sleep(100);
      expect(heard).toEqual([undefined, 'queued', 'done']);
    } finally {
      await listening.close();
    }
  });
});

describe('a fence whose holder stops talking', { timeout: 15_000 }, () => {
  it('is ended by the server after a lease, and the job is claimed again', async () => {
    const jobs = store({ leaseSeconds: 1 });
    await queue(jobs, [['a', someone('alice')]]);
    const lease = (await jobs.claim('frozen'))!;
    // The holder goes quiet inside its transaction (frozen mid-publish): no query, no heartbeat.
    const quiet = jobs.fenced(lease, () => sleep(2_500).then(() => jobs.renew(lease)));
    await sleep(2_200);
    expect(await jobs.claim('w2')).toMatchObject({ videoId: lease.videoId, attempt: 2 });
    await expect(quiet).rejects.toThrow();
  });
  it('prunes the rows of jobs that ended longer ago than the retention, and nothing queued, running or recent', async () => {
    const jobs = store({ perUser: 4 });
    const alice = someone('alice');
    const ids = await queue(jobs, [['old-done', alice], ['old-failed', alice], ['recent', alice], ['running', alice], ['waiting', alice]]);
    const leases = new Map<string, Lease>();
    for (let i = 0; i < 4; i++) {
      const lease = (await jobs.claim('w1'))!;
      leases.set(lease.videoId, lease);
    }
    for (const [name, state] of [['old-done', 'done'], ['old-failed', 'failed'], ['recent', 'done']] as const) {
      await jobs.fenced(leases.get(ids.get(name)!)!, (tx) => tx.end(state, state === 'failed' ? 'not a video' : undefined));
    }
    const eightDaysAgo = `clock_timestamp() - interval '8 days'`;
    await jobsTable().pool.query(`UPDATE transcode_jobs SET finished_at = ${eightDaysAgo} WHERE video_id = ANY($1)`, [[ids.get('old-done'), ids.get('old-failed')]]);
    // Queued and running long ago: their age is no reason to drop them.
    await jobsTable().pool.query(`UPDATE transcode_jobs SET enqueued_at = ${eightDaysAgo} WHERE video_id = ANY($1)`, [[ids.get('running'), ids.get('waiting')]]);

    expect(await jobs.prune(7 * 86_400)).toBe(2);
    const { rows } = await jobsTable().pool.query('SELECT video_id FROM transcode_jobs WHERE video_id = ANY($1)', [[...ids.values()]]);
    expect(new Set(rows.map((r: { video_id: string }) => r.video_id))).toEqual(new Set(['recent', 'running', 'waiting'].map((n) => ids.get(n))));
    expect(await jobs.prune(7 * 86_400)).toBe(0);
    // A pruned job's video, sent again by an event, is queued afresh.
    expect(await jobs.enqueue(ids.get('old-done')!, alice)).toBe(true);
  });
});
