import { describe, expect, it } from 'vitest';
import { createLogger } from '@vidgate/common/logger';
import { createVideoStore } from '@vidgate/common/video-store';
import { someone, useJobsTable } from '../../../test/support/jobs-table.ts';
import { createUploadAcceptor, sweepMissedUploads } from './accept-upload.ts';
import { createJobStore } from './job-store.ts';

// An upload whose MinIO event never came is found by the sweep, once, and only
// once its source is in the bucket and it has had time to get its event.
const jobsTable = useJobsTable();

describe('the sweep for uploads without their event', () => {
  it('queues an upload whose source landed, once, after the grace time; not one still uploading, nor one not uploading', async () => {
    const { pool } = jobsTable();
    const videos = createVideoStore(pool);
    const jobs = createJobStore(pool, { leaseSeconds: 30, maxAttempts: 3, perUser: 1 });
    const sealed: string[] = [];
    const acceptUpload = createUploadAcceptor({ videos, jobs, sealUpload: async (id) => void sealed.push(id) });
    const owner = someone('sweep');
    const landed = await jobsTable().video(owner);
    const inProgress = await jobsTable().video(owner);
    const ready = await jobsTable().video(owner, 'ready');
    const inBucket = new Set([landed, ready]);
    const sweep = (now: number) => sweepMissedUploads({
      videos, sourceExists: async (id) => inBucket.has(id), acceptUpload, logger: createLogger({ name: 'sweep-test', level: 'silent' }), graceSeconds: 10, expirySeconds: 3600, now,
    });

    expect(await sweep(Date.now())).toEqual([]); // within its grace time, the event may still come
    expect(await sweep(Date.now() + 3_601_000)).toEqual([]); // expired: failed, not looked at
    expect(await sweep(Date.now() + 60_000)).toEqual([landed]);
    expect(sealed).toEqual([landed]);
    expect(await sweep(Date.now() + 120_000)).toEqual([]); // queued already
    expect(await acceptUpload(landed)).toBe('duplicate'); // the event, late
    expect(sealed).not.toContain(inProgress);
    expect(sealed).not.toContain(ready);
    const claimed = await jobs.claim('sweep-test#1');
    expect(claimed?.videoId).toBe(landed);
  });
});
