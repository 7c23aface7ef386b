import { describe, expect, it } from 'vitest';
import { createJobQueue } from './job-queue.ts';

/** A job that finishes when the test says so. */
function controllable() {
  const running: string[] = [];
  const finish = new Map<string, () => void>();
  const runs: string[] = [];
  const run = (key: string) =>
    new Promise<void>((resolve) => {
      runs.push(key);
      running.push(key);
      finish.set(key, () => {
        running.splice(running.indexOf(key), 1);
        resolve();
      });
    });
  return { run, running, finish, runs };
}

describe('createJobQueue', () => {
  it('runs a key once while it is queued or running, however often it is added', async () => {
    const jobs = controllable();
    const queue = createJobQueue({ concurrency: 1, perOwner: 1, run: jobs.run, onError: () => {} });
    expect(queue.add('a', 'u')).toBe(true);
    expect(queue.add('a', 'u')).toBe(false); // running
    expect(queue.add('b', 'u')).toBe(true);
    expect(queue.add('b', 'u')).toBe(false); // queued
    expect(queue.depth).toBe(2);
    jobs.finish.get('a')!();
    await new Promise((r) => setImmediate(r));
    jobs.finish.get('b')!();
    await queue.drained();
    expect(jobs.runs).toEqual(['a', 'b']);
    expect(queue.add('a', 'u')).toBe(true); // done: a later event may run it again
  });

  it('never runs more than its concurrency at once', async () => {
    const jobs = controllable();
    let most = 0;
    const queue = createJobQueue({
      concurrency: 2,
      perOwner: 2,
      run: (key) => {
        const done = jobs.run(key);
        most = Math.max(most, jobs.running.length);
        return done;
      },
      onError: () => {},
    });
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key, 'u');
    expect(jobs.running).toEqual(['a', 'b']);
    for (const key of ['a', 'b', 'c', 'd']) {
      await new Promise((r) => setImmediate(r));
      jobs.finish.get(key)!();
    }
    await queue.drained();
    expect(most).toBe(2);
    expect(jobs.runs).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reports a failed job and goes on with the next', async () => {
    const errors: string[] = [];
    const ran: string[] = [];
    const queue = createJobQueue({
      concurrency: 1,
      perOwner: 1,
      run: async (key) => {
        ran.push(key);
        if (key === 'bad') throw new Error('boom');
      },
      onError: (key, err) => errors.push(`${key}: ${(err as Error).message}`),
    });
    queue.add('bad', 'u');
    queue.add('good', 'u');
    await queue.drained();
    expect(errors).toEqual(['bad: boom']);
    expect(ran).toEqual(['bad', 'good']);
  });

  /** Finishes the running jobs one at a time, in start order, until the queue is drained. */
  async function runAll(jobs: ReturnType<typeof controllable>, queue: ReturnType<typeof createJobQueue>) {
    for (let i = 0; i < 100 && jobs.running.length > 0; i++) {
      jobs.finish.get(jobs.running[0]!)!();
      await new Promise((r) => setImmediate(r));
    }
    await queue.drained();
  }

  it("takes users in turns: one user's burst does not hold back another user's one upload", async () => {
    const jobs = controllable();
    const queue = createJobQueue({ concurrency: 1, perOwner: 1, run: jobs.run, onError: () => {} });
    for (let n = 1; n <= 5; n++) queue.add(`alice-${n}`, 'alice');
    queue.add('bob-1', 'bob');
    queue.add('carol-1', 'carol');
    queue.add('bob-2', 'bob');
    await runAll(jobs, queue);
    expect(jobs.runs).toEqual(['alice-1', 'bob-1', 'carol-1', 'alice-2', 'bob-2', 'alice-3', 'alice-4', 'alice-5']);
  });

  it('runs at most perOwner jobs of one user, and gives the free slots to others', async () => {
    const jobs = controllable();
    const queue = createJobQueue({ concurrency: 3, perOwner: 2, run: jobs.run, onError: () => {} });
    for (let n = 1; n <= 4; n++) queue.add(`alice-${n}`, 'alice');
    expect(jobs.running).toEqual(['alice-1', 'alice-2']); // a slot stays free for someone else
    queue.add('bob-1', 'bob');
    expect(jobs.running).toEqual(['alice-1', 'alice-2', 'bob-1']);
    await runAll(jobs, queue);
    expect(jobs.runs).toEqual(['alice-1', 'alice-2', 'bob-1', 'alice-3', 'alice-4']);
  });

  it('reports how long the oldest job has waited, and the running count', async () => {
    const jobs = controllable();
    const queue = createJobQueue({ concurrency: 1, perOwner: 1, run: jobs.run, onError: () => {} });
    expect(queue.oldestWaitingSeconds()).toBe(0);
    queue.add('a', 'u');
    queue.add('b', 'u');
    expect(queue.running).toBe(1);
    expect(queue.oldestWaitingSeconds(Date.now() + 30_000)).toBeGreaterThanOrEqual(29.9);
    await runAll(jobs, queue);
    expect(queue.oldestWaitingSeconds()).toBe(0);
  });
});

