export interface JobQueueOptions {
  concurrency: number;
  /** Jobs of one owner running at once; others' jobs take the free slots. */
  perOwner: number;
  run: (key: string) => Promise<void>;
  onError: (key: string, err: unknown) => void;
  /** Called with each finished job's wall time, failed or not. */
  onBusy?: (seconds: number) => void;
}

/**
 * An in-process queue with bounded concurrency, fair across owners: owners take
 * turns (one user's 50 uploads do not hold back another user's one), and at
 * most `perOwner` of one owner's jobs run at once. Each key is held at most
 * once: a key that is queued or running is not added again, so a repeated
 * event for the same video does one job.
 */
export function createJobQueue(options: JobQueueOptions) {
  /** Waiting jobs by owner, owners in order of arrival. */
  const waiting = new Map<string, { key: string; since: number }[]>();
  const active = new Map<string, string>(); // key → owner
  /** When each owner with work queued or running was last served (a rising count). */
  const lastServed = new Map<string, number>();
  let served = 0;
  const runningOf = (owner: string) => [...active.values()].filter((o) => o === owner).length;
  let idle: (() => void)[] = [];

  /** The next job: of the owners with a job waiting and a free slot of their own, the one served longest ago (never, first). */
  const next = (): { key: string; owner: string } | undefined => {
    let chosen: string | undefined;
    for (const owner of waiting.keys()) {
      if (runningOf(owner) >= options.perOwner) continue;
      if (chosen === undefined || (lastServed.get(owner) ?? -1) < (lastServed.get(chosen) ?? -1)) chosen = owner;
    }
    if (chosen === undefined) return undefined;
    const jobs = waiting.get(chosen)!;
    const { key } = jobs.shift()!;
    if (jobs.length === 0) waiting.delete(chosen);
    lastServed.set(chosen, ++served);
    return { key, owner: chosen };
  };

  const pump = () => {
    for (let job = active.size < options.concurrency ? next() : undefined; job; job = active.size < options.concurrency ? next() : undefined) {
      const { key, owner } = job;
      active.set(key, owner);
      const started = performance.now();
      void options
        .run(key)
        .catch((err) => options.onError(key, err))
        .finally(() => {
          active.delete(key);
          // An owner with nothing left queued or running starts afresh next time.
          if (!waiting.has(owner) && runningOf(owner) === 0) lastServed.delete(owner);
          options.onBusy?.((performance.now() - started) / 1000);
          pump();
        });
    }
    if (active.size === 0 && waiting.size === 0) {
      for (const resolve of idle) resolve();
      idle = [];
    }
  };

  const isWaiting = (key: string) => [...waiting.values()].some((jobs) => jobs.some((j) => j.key === key));
  const waitingJobs = () => [...waiting.values()].flat();

  return {
    /** false when the key is already queued or running. */
    add(key: string, owner: string): boolean {
      if (active.has(key) || isWaiting(key)) return false;
      const jobs = waiting.get(owner);
      if (jobs) jobs.push({ key, since: Date.now() });
      else waiting.set(owner, [{ key, since: Date.now() }]);
      pump();
      return true;
    },
    get depth() {
      return waitingJobs().length + active.size;
    },
    get running() {
      return active.size;
    },
    /** Seconds the longest-waiting job has waited; 0 when none waits. */
    oldestWaitingSeconds(now = Date.now()): number {
      const since = Math.min(...waitingJobs().map((j) => j.since));
      return Number.isFinite(since) ? (now - since) / 1000 : 0;
    },
    /** Resolves once nothing is queued or running. */
    drained(): Promise<void> {
      if (active.size === 0 && waiting.size === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
