/**
 * The statements of the shared transcode queue (job-store.ts), on the
 * transcode_jobs table. Time is the statement's (statement_timestamp(): a claim
 * may wait for the claim lock, and must judge leases by when it runs) and a
 * lease's end is the clock's (clock_timestamp(): renewals inside a long
 * transaction must move it).
 */

/** A job a claim may take: queued and past its back-off, or running under a lease that ran out with attempts left. */
const CLAIMABLE = (t: string) => `((${t}.state = 'queued' AND ${t}.not_before <= statement_timestamp())
  OR (${t}.state = 'running' AND ${t}.lease_expires_at < statement_timestamp() AND ${t}.attempts < ${t}.max_attempts))`;

const LEASE_COLUMNS = `j.video_id, j.owner, j.lease_id, j.attempts, j.max_attempts, j.last_error,
  extract(epoch FROM statement_timestamp() - j.enqueued_at)::float8 AS waited`;

/**
 * $1 video, $2 owner, $3 max attempts. A new job, or one that ended (done or
 * failed) queued afresh; a job queued or running is left alone, so a repeated
 * event does nothing. Returns a row when it queued.
 */
export const ENQUEUE = `INSERT INTO transcode_jobs (video_id, owner, max_attempts) VALUES ($1, $2, $3)
  ON CONFLICT (video_id) DO UPDATE SET state = 'queued', owner = EXCLUDED.owner, attempts = 0, max_attempts = EXCLUDED.max_attempts,
    lease_id = NULL, lease_expires_at = NULL, last_error = NULL, enqueued_at = now(), not_before = now(), finished_at = NULL
  WHERE transcode_jobs.state IN ('done', 'failed')
  RETURNING video_id`;

/**
 * $1 worker, $2 lease seconds, $3 per-user cap. Claims one job, in one
 * statement: of the owners with a claimable job and fewer than $3 jobs running
 * (over all workers), the one with the fewest running, then the one served
 * longest ago (never: first), then the oldest job. A row another transaction
 * holds (a job being written) is skipped, not waited for. Run under the claim
 * lock (job-store.ts), so the running counts include every earlier claim.
 */
export const CLAIM = `UPDATE transcode_jobs AS j
  SET state = 'running', attempts = j.attempts + 1, lease_owner = $1, lease_id = gen_random_uuid(),
    lease_expires_at = clock_timestamp() + make_interval(secs => $2), started_at = statement_timestamp(), finished_at = NULL
  WHERE j.video_id = (
    WITH owners AS (
      SELECT o.owner,
        (SELECT count(*) FROM transcode_jobs r WHERE r.owner = o.owner AND r.state = 'running' AND r.lease_expires_at >= statement_timestamp()) AS running,
        (SELECT max(r.started_at) FROM transcode_jobs r WHERE r.owner = o.owner) AS last_served
      FROM (SELECT DISTINCT owner FROM transcode_jobs c WHERE ${CLAIMABLE('c')}) o
    )
    SELECT c.video_id FROM transcode_jobs c JOIN owners USING (owner)
    WHERE ${CLAIMABLE('c')} AND owners.running < $3
    ORDER BY owners.running, owners.last_served NULLS FIRST, c.enqueued_at, c.video_id
    LIMIT 1
    FOR UPDATE OF c SKIP LOCKED)
  RETURNING ${LEASE_COLUMNS}`;

/**
 * $1 worker, $2 lease seconds. A job whose last allowed attempt lost its
 * worker: claimed (its attempts unchanged) only to be ended failed.
 */
export const CLAIM_EXHAUSTED = `UPDATE transcode_jobs AS j
  SET lease_owner = $1, lease_id = gen_random_uuid(), lease_expires_at = clock_timestamp() + make_interval(secs => $2)
  WHERE j.video_id = (
    SELECT video_id FROM transcode_jobs
    WHERE state = 'running' AND lease_expires_at < statement_timestamp() AND attempts >= max_attempts
    ORDER BY lease_expires_at LIMIT 1
    FOR UPDATE SKIP LOCKED)
  RETURNING ${LEASE_COLUMNS}`;

/** $1 video, $2 lease id, $3 lease seconds. A heartbeat; no row when the lease is no longer held. */
export const RENEW = `UPDATE transcode_jobs SET lease_expires_at = clock_timestamp() + make_interval(secs => $3)
  WHERE video_id = $1 AND lease_id = $2 AND state = 'running'
  RETURNING 1`;

/** $1 worker name (host:port), $2 this incarnation. Leases of the worker's earlier incarnations run out now. */
export const EXPIRE_LEASES_OF = `UPDATE transcode_jobs
  SET lease_expires_at = statement_timestamp() - interval '1 millisecond', last_error = 'its worker restarted (' || lease_owner || ')'
  WHERE state = 'running' AND split_part(lease_owner, '#', 1) = $1 AND lease_owner <> $2
  RETURNING video_id`;

/** Seconds until the next lease runs out or the next back-off ends; NULL when neither is due. */
export const NEXT_WAKE = `SELECT extract(epoch FROM least(
    (SELECT min(lease_expires_at) FROM transcode_jobs WHERE state = 'running' AND lease_expires_at > statement_timestamp()),
    (SELECT min(not_before) FROM transcode_jobs WHERE state = 'queued' AND not_before > statement_timestamp())
  ) - statement_timestamp())::float8 AS seconds`;

/**
 * $1 seconds. Jobs that ended (done or failed) longer ago than that: the
 * video's record keeps its outcome, and a later event queues it afresh either way.
 */
export const PRUNE = `DELETE FROM transcode_jobs WHERE state IN ('done', 'failed') AND finished_at < clock_timestamp() - make_interval(secs => $1)
  RETURNING 1`;

/** The queue as every worker reports it on /metrics (one value for the whole deployment). */
export const STATS = `SELECT
    count(*) FILTER (WHERE state = 'queued')::int AS queued,
    count(*) FILTER (WHERE state = 'running' AND lease_expires_at >= statement_timestamp())::int AS running,
    count(*) FILTER (WHERE state = 'running' AND lease_expires_at < statement_timestamp())::int AS expired,
    coalesce(extract(epoch FROM statement_timestamp() - min(enqueued_at)
      FILTER (WHERE state = 'queued' OR lease_expires_at < statement_timestamp())), 0)::float8 AS oldest
  FROM transcode_jobs WHERE state IN ('queued', 'running')`;
