import type { Listening } from '@vidgate/common/database/listen';
import type { Logger } from '@vidgate/common/logger';
import { LeaseLost, type JobStore, type Lease, type LeasedTx } from './job-store.ts';
import { failVideo, FinalFailure, TRANSCODE_FAILED } from './job-outcome.ts';

/** Why a held job's signal was aborted when the worker stops (SIGTERM): its job goes back to the queue. */
export class WorkerStopping extends Error {
  constructor() {
    super('the worker is stopping');
    this.name = 'WorkerStopping';
  }
}

/** A job this worker holds, as its attempt sees it. */
export interface HeldJob {
  readonly lease: Lease;
  /** Aborted when the lease is lost (reason: LeaseLost) or the worker stops (WorkerStopping). */
  readonly signal: AbortSignal;
  /** Runs `work` while the lease is held, in one transaction with the job row; throws LeaseLost. */
  fenced<T>(work: (tx: LeasedTx) => Promise<T>): Promise<T>;
}

/** How an attempt ended: the job's outcome, or why it goes on elsewhere. */
export type AttemptResult = 'ready' | 'failed' | 'skipped' | 'retried' | 'lease_lost' | 'released' | 'gave_up';

export interface WorkerDeps {
  jobs: JobStore;
  /** host:port, which a restart keeps. */
  name: string;
  /** name#incarnation: this process, as lease_owner. */
  id: string;
  concurrency: number;
  leaseSeconds: number;
  pollSeconds: number;
  /** One attempt. Ends the job itself (in a fence) when it succeeds or has nothing to do; throws when it failed. */
  run(job: HeldJob): Promise<'ready' | 'skipped'>;
  /** Removes what a failed attempt left (half-published objects); runs inside the fence that records the failure. */
  cleanUp(job: HeldJob, err: unknown): Promise<void>;
  /** LISTEN on the queue's channel, calling `wake` for each notification. */
  listen(wake: () => void): Listening;
  logger: Logger;
  /** Back-off before a failed attempt's job may be claimed again. */
  retryDelaySeconds?: (attempt: number) => number;
  onClaim?(lease: Lease): void;
  onAttempt?(lease: Lease, result: AttemptResult, seconds: number): void;
}

const defaultRetryDelay = (attempt: number) => Math.min(300, 15 * 2 ** (attempt - 1));
const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 1000);

/**
 * One transcoder worker on the shared queue: up to `concurrency` jobs at once,
 * each claimed with a lease renewed every third of a lease while it runs. It
 * waits for work with LISTEN (a job queued or ended wakes it), looks again when
 * the next lease or back-off is due, and otherwise every `pollSeconds`: no busy
 * loop. A job whose lease it loses is stopped and left alone; on stop, its jobs
 * go back to the queue with their attempts given back.
 */
export function createWorker(deps: WorkerDeps) {
  const { jobs, logger } = deps;
  const leaseMs = deps.leaseSeconds * 1000;
  const retryDelay = deps.retryDelaySeconds ?? defaultRetryDelay;
  const active = new Map<string, { stop: () => void; since: number; done: Promise<void> }>();
  let finishedBusy = 0;
  let stopping = false;
  let pending = false;
  let interrupt: (() => void) | undefined;
  let listening: Listening | undefined;
  let looping: Promise<void> = Promise.resolve();

  const wake = () => {
    pending = true;
    interrupt?.();
  };

  /** The lease held: heartbeats every third of a lease; the job's signal aborts when it is lost. */
  function hold(lease: Lease): { job: HeldJob; stop(): void; release(): void } {
    const controller = new AbortController();
    let heldUntil = Date.now() + leaseMs;
    let beating = false;
    const lose = () => controller.abort(new LeaseLost(lease.videoId));
    const heartbeat = setInterval(async () => {
      if (beating) return;
      beating = true;
      const sent = Date.now();
      try {
        if (await jobs.renew(lease)) heldUntil = sent + leaseMs;
        else lose();
      } catch (err) {
        logger.warn({ err, videoId: lease.videoId }, 'lease not renewed');
      } finally {
        beating = false;
      }
      // Not renewed for a whole lease: another worker may hold the job now.
      if (Date.now() > heldUntil) lose();
    }, leaseMs / 3);
    const job: HeldJob = {
      lease,
      signal: controller.signal,
      async fenced(work) {
        controller.signal.throwIfAborted();
        const sent = Date.now();
        try {
          const result = await jobs.fenced(lease, work);
          heldUntil = Math.max(heldUntil, sent + leaseMs);
          return result;
        } catch (err) {
          if (err instanceof LeaseLost) lose();
          throw err;
        }
      },
    };
    return { job, stop: () => controller.abort(new WorkerStopping()), release: () => clearInterval(heartbeat) };
  }

  /** After a failed attempt: undo what it left, then queue the job again, or end it failed with its video. */
  async function settleFailure(job: HeldJob, err: unknown): Promise<AttemptResult> {
    const { lease } = job;
    const final = err instanceof FinalFailure || lease.attempt >= lease.maxAttempts;
    await job.fenced(async (tx) => {
      await deps.cleanUp(job, err);
      if (final) {
        await failVideo(tx, lease.videoId, err instanceof FinalFailure ? err.reason : TRANSCODE_FAILED);
        await tx.end('failed', errorText(err));
      } else {
        await tx.requeue({ error: errorText(err), delaySeconds: retryDelay(lease.attempt) });
      }
    });
    return final ? 'failed' : 'retried';
  }

  /** A job whose attempts its workers used up by dying: it ends failed, without another run. */
  async function giveUp(job: HeldJob): Promise<AttemptResult> {
    await job.fenced(async (tx) => {
      await deps.cleanUp(job, undefined);
      await failVideo(tx, job.lease.videoId, TRANSCODE_FAILED);
      await tx.end('failed', `gave up after ${job.lease.attempt} attempts; the last: ${job.lease.lastError ?? 'its worker stopped renewing its lease'}`);
    });
    return 'gave_up';
  }

  async function attempt(job: HeldJob): Promise<AttemptResult> {
    try {
      return job.lease.exhausted ? await giveUp(job) : await deps.run(job);
    } catch (err) {
      if (job.signal.aborted || err instanceof LeaseLost) {
        if (!(job.signal.reason instanceof WorkerStopping)) return 'lease_lost';
        // Not the job's fault: it goes back with its attempt given back, for any worker to take at once.
        const requeued = await jobs.fenced(job.lease, (tx) => tx.requeue({ error: 'its worker stopped', giveAttemptBack: true })).then(() => true, (e: unknown) => {
          if (e instanceof LeaseLost) return false;
          throw e;
        });
        return requeued ? 'released' : 'lease_lost';
      }
      logger.warn({ err, videoId: job.lease.videoId, attempt: job.lease.attempt }, 'transcode attempt failed');
      return await settleFailure(job, err);
    }
  }

  function start(lease: Lease) {
    const held = hold(lease);
    const since = Date.now();
    deps.onClaim?.(lease);
    logger.info({ videoId: lease.videoId, attempt: lease.attempt, waitedSeconds: lease.waitedSeconds, exhausted: lease.exhausted }, 'job claimed');
    const done = attempt(held.job)
      .catch((err): AttemptResult => {
        // The outcome could not be recorded (the database went away, or the lease): the lease runs out and the job is claimed again.
        logger.error({ err, videoId: lease.videoId }, 'attempt outcome not recorded');
        return 'lease_lost';
      })
      .then((result) => {
        const seconds = (Date.now() - since) / 1000;
        logger.info({ videoId: lease.videoId, attempt: lease.attempt, result, seconds }, 'attempt ended');
        try {
          deps.onAttempt?.(lease, result, seconds);
        } catch (err) {
          logger.error({ err, videoId: lease.videoId }, 'attempt not counted');
        }
      })
      .finally(() => {
        held.release();
        finishedBusy += (Date.now() - since) / 1000;
        active.delete(lease.id);
        wake();
      });
    active.set(lease.id, { stop: held.stop, since, done });
  }

  async function claimWhileFree(): Promise<void> {
    while (!stopping && active.size < deps.concurrency) {
      const lease = await jobs.claim(deps.id);
      if (!lease) return;
      start(lease);
    }
  }

  async function nap(): Promise<void> {
    let waitMs = deps.pollSeconds * 1000;
    if (active.size < deps.concurrency) {
      const next = await jobs.nextWakeSeconds().catch(() => undefined);
      if (next !== undefined) waitMs = Math.min(waitMs, Math.max(250, next * 1000 + 50));
    }
    if (pending || stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      interrupt = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    interrupt = undefined;
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      pending = false;
      await claimWhileFree().catch((err) => logger.warn({ err }, 'could not claim a job'));
      await nap();
    }
  }

  return {
    id: deps.id,
    /** Takes back what this worker's earlier incarnation held, listens, and starts claiming. */
    async start(): Promise<void> {
      const expired = await jobs.expireLeasesOf(deps.name, deps.id).catch((err) => {
        logger.warn({ err }, 'could not release the jobs of an earlier run');
        return [];
      });
      if (expired.length > 0) logger.info({ videoIds: expired }, 'jobs an earlier run of this worker held are claimable again');
      listening = deps.listen(wake);
      await listening.ready;
      looping = loop();
    },
    /** Stops claiming, stops the running jobs and queues them again; resolves when that is done. */
    async stop(): Promise<void> {
      stopping = true;
      interrupt?.();
      await looping; // a claim in flight ends first, so its job is stopped too
      for (const { stop } of active.values()) stop();
      await Promise.all([...active.values()].map((a) => a.done));
      await listening?.close();
    },
    /** Jobs running on this worker now. */
    get running(): number {
      return active.size;
    },
    /** Seconds this worker's slots have spent on jobs, the running ones included. */
    busySeconds(now = Date.now()): number {
      let busy = finishedBusy;
      for (const { since } of active.values()) busy += (now - since) / 1000;
      return busy;
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
