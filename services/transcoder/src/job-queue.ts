/**
 * An in-process queue with bounded concurrency that holds each key at most once:
 * a key that is queued or running is not added again, so a repeated event for the
 * same video does one job.
 */
export function createJobQueue(options: { concurrency: number; run: (key: string) => Promise<void>; onError: (key: string, err: unknown) => void }) {
  const waiting: string[] = [];
  const active = new Set<string>();
  let idle: (() => void)[] = [];

  const pump = () => {
    while (active.size < options.concurrency && waiting.length > 0) {
      const key = waiting.shift()!;
      active.add(key);
      void options
        .run(key)
        .catch((err) => options.onError(key, err))
        .finally(() => {
          active.delete(key);
          pump();
        });
    }
    if (active.size === 0 && waiting.length === 0) {
      for (const resolve of idle) resolve();
      idle = [];
    }
  };

  return {
    /** false when the key is already queued or running. */
    add(key: string): boolean {
      if (active.has(key) || waiting.includes(key)) return false;
      waiting.push(key);
      pump();
      return true;
    },
    get depth() {
      return waiting.length + active.size;
    },
    /** Resolves once nothing is queued or running. */
    drained(): Promise<void> {
      if (active.size === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
