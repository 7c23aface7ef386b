import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../test/support/unit-database-context.ts';
import { createAuditLog } from '@vidgate/common/audit';
import { createPool } from '@vidgate/common/database/pool';
import type { Video } from '@vidgate/common/video';
import { createVideoStore } from '@vidgate/common/video-store';
import { auditTranscoder } from './audit-transcoder.ts';
import type { Lease } from './job-store.ts';

const pool = createPool(unitDatabase());
afterAll(() => pool.end());
const audit = createAuditLog(pool);
const videos = createVideoStore(pool);
const hooks = auditTranscoder({ audit, videos });
const trail = async (videoId: string) => (await audit.query({ videoId, limit: 10 })).events.map((e) => [e.action, e.actor, e.detail]);

async function video(fields: Partial<Video>): Promise<Video> {
  const now = new Date().toISOString();
  const v: Video = {
    id: `at-${randomBytes(4).toString('hex')}`, owner: 'olga', title: 't', description: '', visibility: 'private', allowedUsers: [], allowedGroups: [], status: 'uploading', progress: 0,
    renditions: [], captions: [], source: { fileName: 'a.mp4', contentType: 'video/mp4', size: 1234 }, createdAt: now, updatedAt: now, ...fields,
  };
  await videos.create(v);
  return v;
}
const lease = (videoId: string, attempt = 1): Lease => ({ videoId, owner: 'olga', id: 'l', attempt, maxAttempts: 3, exhausted: false, waitedSeconds: 0 });

describe("the transcoder's audit events", () => {
  it('an uploaded single source: once as its owner, however often MinIO reports it, after the seal', async () => {
    const v = await video({});
    const sealed: string[] = [];
    const seal = hooks.sealing(async (id) => void sealed.push(id));
    await seal(v.id);
    await seal(v.id);
    expect(sealed).toEqual([v.id, v.id]);
    expect(await trail(v.id)).toEqual([['upload.completed', 'olga', { kind: 'single', bytes: 1234, seenBy: 'transcoder' }]]);
  });

  it('nothing for a multipart upload (the auth service records its completion) or an upload that already ended', async () => {
    const multipart = await video({ source: { fileName: 'a.mp4', contentType: 'video/mp4', size: 1234, uploadId: 'u', partSize: 5 * 1024 ** 2 } });
    const cancelled = await video({ status: 'failed', failureReason: 'cancelled' });
    const seal = hooks.sealing(async () => {});
    await seal(multipart.id);
    await seal(cancelled.id);
    expect([...await trail(multipart.id), ...await trail(cancelled.id)]).toEqual([]);
  });

  it('a job that ended ready or failed, with what the video says; nothing for an attempt that is retried', async () => {
    const ready = await video({ status: 'ready', durationSeconds: 12, renditions: [{ kind: 'video', name: '360p', width: 640, height: 360, bandwidth: 800_000 }] });
    const failed = await video({ status: 'failed', failureReason: 'file is not a readable media file' });
    await hooks.outcome(lease(ready.id), 'ready');
    await hooks.outcome(lease(failed.id, 1), 'retried');
    await hooks.outcome(lease(failed.id, 3), 'gave_up');
    expect(await trail(ready.id)).toEqual([['transcode.ready', 'system:transcoder', { durationSeconds: 12, renditions: ['360p'], attempt: 1 }]]);
    expect(await trail(failed.id)).toEqual([['transcode.failed', 'system:transcoder', { reason: 'file is not a readable media file', attempt: 3, gaveUp: true }]]);
  });
});
