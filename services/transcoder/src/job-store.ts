import { databaseError, inTransaction, type Pool, type Queryable } from '@vidgate/common/database/pool';
import { videoStoreOn, type VideoStore } from '@vidgate/common/video-store';
import { CLAIM, CLAIM_EXHAUSTED, ENQUEUE, EXPIRE_LEASES_OF, NEXT_WAKE, PRUNE, RENEW, STATS } from './job-sql.ts';

/** One claim of a job: the right to work on its video until the lease runs out. */
export interface Lease {
  readonly videoId: string;
  readonly owner: string;
  /** Names this claim: every write of its holder carries it, so a worker that lost the job writes nothing. */
  readonly id: string;
  /** 1 for the first claim; the job ends failed after maxAttempts. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The job's attempts are used up (its last holder stopped answering): end it failed, do not run it. */
  readonly exhausted: boolean;
  /** Seconds from the job's (last) enqueue to this claim. */
  readonly waitedSeconds: number;
  readonly lastError?: string;
}

/** The job is no longer this claim's: another worker took it after the lease ran out, or it ended. */
export class LeaseLost extends Error {
  constructor(videoId: string) {
    super(`the lease on the transcode job of ${videoId} is no longer held`);
    this.name = 'LeaseLost';
  }
}

/** What a lease holder may do in one transaction while the job row is locked. */
export interface LeasedTx {
  /** The video store, in the same transaction, the video's row locked: a read-change-write of it loses no concurrent change. */
  readonly videos: VideoStore;
  /** The job ends: done (ready, or nothing to do) or failed (the video is failed too). */
  end(state: 'done' | 'failed', error?: string): Promise<void>;
  /** Back to the queue, claimable again after `delaySeconds`; `giveAttemptBack` when the attempt was not the job's fault (a worker stopping). */
  requeue(options: { error?: string; delaySeconds?: number; giveAttemptBack?: boolean }): Promise<void>;
}

export interface QueueStats {
  /** Waiting for a worker (retries in their back-off included). */
  queued: number;
  /** Running under a live lease. */
  running: number;
  /** Claimed by a worker that stopped renewing: waiting to be claimed again. */
  expired: number;
  /** Since the longest-waiting job was queued; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/** The transcode queue shared by every worker: the transcode_jobs table (migration 20261126020000000). */
export interface JobStore {
  /** Queues the video's job; false when it is queued or running already (a repeated event) or the video is gone. */
  enqueue(videoId: string, owner: string): Promise<boolean>;
  /** The next job for `worker`, owners taking turns within the per-user cap; undefined when none may start now. */
  claim(worker: string): Promise<Lease | undefined>;
  /** Pushes the lease's end a lease further; false when it is no longer held. */
  renew(lease: Lease): Promise<boolean>;
  /** Runs `work` in one transaction that holds the video's and the job's rows and renews the lease; throws LeaseLost when it is not held. */
  fenced<T>(lease: Lease, work: (tx: LeasedTx) => Promise<T>): Promise<T>;
  /** Ends the leases earlier incarnations of a worker held (it restarted: they are dead); the video ids. */
  expireLeasesOf(workerName: string, except: string): Promise<string[]>;
  /** Seconds until a lease runs out or a retry's back-off ends, the next moment a claim may find work without a notification. */
  nextWakeSeconds(): Promise<number | undefined>;
  stats(): Promise<QueueStats>;
  /** Deletes the rows of jobs that ended more than `seconds` ago; how many. */
  prune(seconds: number): Promise<number>;
}

export interface JobStoreOptions {
  leaseSeconds: number;
  /** Claims of one job before it ends failed (stored with the job when it is queued). */
  maxAttempts: number;
  /** Running jobs of one owner, over all workers. */
  perUser: number;
}

interface LeaseRow { video_id: string; owner: string; lease_id: string; attempts: number; max_attempts: number; waited: number; last_error: string | null }

const toLease = (row: LeaseRow, exhausted: boolean): Lease => ({
  videoId: row.video_id, owner: row.owner, id: row.lease_id, attempt: row.attempts, maxAttempts: row.max_attempts, exhausted,
  waitedSeconds: Math.max(0, row.waited), ...(row.last_error === null ? {} : { lastError: row.last_error }),
});

async function query<R extends object>(db: Queryable, text: string, params: unknown[] = []): Promise<R[]> {
  try {
    return (await db.query<R>(text, params)).rows;
  } catch (err) {
    throw databaseError(err);
  }
}

export function createJobStore(pool: Pool, options: JobStoreOptions): JobStore {
  const { leaseSeconds } = options;
  /** Fences in progress: a lease's renewals go through its fence's connection (that connection holds the row). */
  const fences = new Map<string, Queryable>();

  const leasedTx = (db: Queryable, lease: Lease): LeasedTx => ({
    videos: videoStoreOn(db),
    async end(state, error) {
      await query(db, `UPDATE transcode_jobs SET state = $2, last_error = coalesce($3, last_error), lease_id = NULL, lease_expires_at = NULL,
        finished_at = clock_timestamp() WHERE video_id = $1`, [lease.videoId, state, error ?? null]);
    },
    async requeue({ error, delaySeconds = 0, giveAttemptBack = false }) {
      await query(db, `UPDATE transcode_jobs SET state = 'queued', attempts = attempts - $4::int, last_error = coalesce($2, last_error), lease_id = NULL,
        lease_expires_at = NULL, not_before = clock_timestamp() + make_interval(secs => $3) WHERE video_id = $1`, [lease.videoId, error ?? null, delaySeconds, giveAttemptBack ? 1 : 0]);
    },
  });

  return {
    async enqueue(videoId, owner) {
      try {
        return (await query(pool, ENQUEUE, [videoId, owner, options.maxAttempts])).length === 1;
      } catch (err) {
        if ((err as { code?: string }).code === '23503') return false; // the video's record is gone
        throw err;
      }
    },
    async claim(worker) {
      const [exhausted] = await query<LeaseRow>(pool, CLAIM_EXHAUSTED, [worker, leaseSeconds]);
      if (exhausted) return toLease(exhausted, true);
      // One claim at a time over all workers: each claim then counts the running jobs every earlier claim committed, so the per-user cap holds.
      return inTransaction(pool, async (client) => {
        await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('vidgate:transcode-claims', 0))`);
        const [row] = await query<LeaseRow>(client, CLAIM, [worker, leaseSeconds, options.perUser]);
        return row && toLease(row, false);
      });
    },
    async renew(lease) {
      return (await query(fences.get(lease.id) ?? pool, RENEW, [lease.videoId, lease.id, leaseSeconds])).length === 1;
    },
    fenced(lease, work) {
      return inTransaction(pool, async (client) => {
        // The server may end this session while the work is not querying (below, or a restart): its next query fails
        // instead, and the error event, which the pool does not listen to while the connection is lent, must not end the process.
        const ignore = () => {};
        client.on('error', ignore);
        // A holder that stops talking mid-transaction (frozen, cut off) lets go of the row after a lease.
        await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${Math.round(leaseSeconds * 1000)}`);
        // The video's row, then the job's, the order a deletion of the video takes them in (its cascade): an owner's
        // edit or deletion waits for this transaction instead of deadlocking with it. The renewal locks the job's row:
        // until this transaction ends, no claim can take the job (claims skip locked rows).
        await query(client, 'SELECT 1 FROM videos WHERE id = $1 FOR NO KEY UPDATE', [lease.videoId]);
        if ((await query(client, RENEW, [lease.videoId, lease.id, leaseSeconds])).length === 0) throw new LeaseLost(lease.videoId);
        fences.set(lease.id, client);
        try {
          return await work(leasedTx(client, lease));
        } finally {
          fences.delete(lease.id);
          client.off('error', ignore);
        }
      });
    },
    async expireLeasesOf(workerName, except) {
      const rows = await query<{ video_id: string }>(pool, EXPIRE_LEASES_OF, [workerName, except]);
      if (rows.length > 0) await query(pool, `SELECT pg_notify('transcode_jobs', 'expired')`);
      return rows.map((r) => r.video_id);
    },
    async nextWakeSeconds() {
      const [row] = await query<{ seconds: number | null }>(pool, NEXT_WAKE);
      return row?.seconds ?? undefined;
    },
    async stats() {
      const [row] = await query<{ queued: number; running: number; expired: number; oldest: number }>(pool, STATS);
      return { queued: row!.queued, running: row!.running, expired: row!.expired, oldestWaitingSeconds: row!.oldest };
    },
    async prune(seconds) {
      return (await query(pool, PRUNE, [seconds])).length;
    },
  };
}
