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
    const queue = createJobQueue({ concurrency: 1, run: jobs.run, onError: () => {} });
    expect(queue.add('a')).toBe(true);
    expect(queue.add('a')).toBe(false); // running
    expect(queue.add('b')).toBe(true);
    expect(queue.add('b')).toBe(false); // queued
    expect(queue.depth).toBe(2);
    jobs.finish.get('a')!();
    await new Promise((r) => setImmediate(r));
    jobs.finish.get('b')!();
    await queue.drained();
    expect(jobs.runs).toEqual(['a', 'b']);
    expect(queue.add('a')).toBe(true); // done: a later event may run it again
  });

  it('never runs more than its concurrency at once', async () => {
    const jobs = controllable();
    let most = 0;
    const queue = createJobQueue({
      concurrency: 2,
      run: (key) => {
        const done = jobs.run(key);
        most = Math.max(most, jobs.running.length);
        return done;
      },
      onError: () => {},
    });
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
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
      run: async (key) => {
        ran.push(key);
        if (key === 'bad') throw new Error('boom');
      },
      onError: (key, err) => errors.push(`${key}: ${(err as Error).message}`),
    });
    queue.add('bad');
    queue.add('good');
    await queue.drained();
    expect(errors).toEqual(['bad: boom']);
    expect(ran).toEqual(['bad', 'good']);
  });
});
