import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createPool, type Pool } from '../../services/common/src/database/pool.ts';
import type { Video } from '../../services/common/src/video.ts';
import { createVideoStore } from '../../services/common/src/video-store.ts';
import { unitDatabase } from './unit-database-context.ts';

/**
 * For the unit tests of the transcode queue, on the unit project's PostgreSQL.
 * A claim takes any job in the table, so the test files that use it take
 * turns (a session advisory lock, held from their beforeAll to their
 * afterAll) and each test starts with the table empty.
 */
export interface JobsTable {
  pool: Pool;
  /** Empties transcode_jobs (the videos stay: their ids are unique per test). */
  empty(): Promise<void>;
  /** A video of `owner`, uploading, with a record the queue's foreign key finds. */
  video(owner: string, status?: Video['status']): Promise<string>;
  release(): Promise<void>;
}

export async function holdJobsTable(): Promise<JobsTable> {
  const pool = createPool({ ...unitDatabase(), poolSize: 20 });
  const lock = await pool.connect();
  await lock.query(`SELECT pg_advisory_lock(hashtextextended('vidgate:unit-tests:transcode_jobs', 0))`);
  const videos = createVideoStore(pool);
  return {
    pool,
    async empty() {
      await pool.query('DELETE FROM transcode_jobs');
    },
    async video(owner, status = 'uploading') {
      const id = `job-${randomBytes(6).toString('hex')}`;
      const now = new Date().toISOString();
      await videos.create({ id, owner, title: id, visibility: 'private', allowedUsers: [], status, progress: 0, renditions: [], createdAt: now, updatedAt: now });
      return id;
    },
    async release() {
      await pool.query('DELETE FROM transcode_jobs');
      await lock.query(`SELECT pg_advisory_unlock(hashtextextended('vidgate:unit-tests:transcode_jobs', 0))`);
      lock.release();
      await pool.end();
    },
  };
}

/** A name unique to one test run, so that no owner's history from another test counts. */
export const someone = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

/** Holds the table for a test file (its hooks: held before the first test, emptied before each); the accessor is valid inside tests. */
export function useJobsTable(): () => JobsTable {
  let table: JobsTable | undefined;
  beforeAll(async () => {
    table = await holdJobsTable();
  }, 120_000);
  afterAll(() => table?.release());
  beforeEach(() => table!.empty());
  return () => table!;
}
