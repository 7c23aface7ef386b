import type { Logger } from '@vidgate/common/logger';
import type { VideoStore } from '@vidgate/common/video-store';
import type { JobStore } from './job-store.ts';
import type { UploadSealer } from './seal-upload.ts';

export type Acceptance = 'queued' | 'duplicate' | 'unknown';

/**
 * An upload's source has landed: its URLs are revoked and its job queued under
 * its owner, so that users take turns; once, however often this is called (by
 * MinIO's event, again by MinIO, or by the missed-upload sweep).
 */
export function createUploadAcceptor(deps: { videos: VideoStore; jobs: Pick<JobStore, 'enqueue'>; sealUpload: UploadSealer }) {
  const { videos, jobs, sealUpload } = deps;
  return async function acceptUpload(videoId: string): Promise<Acceptance> {
    await sealUpload(videoId);
    const video = await videos.get(videoId);
    if (!video) return 'unknown';
    return (await jobs.enqueue(videoId, video.owner)) ? 'queued' : 'duplicate';
  };
}

export type UploadAcceptor = ReturnType<typeof createUploadAcceptor>;

/**
 * MinIO sends an upload's event once, and after a restart only once it has
 * loaded its bucket rules again: an upload that lands meanwhile gets no event,
 * and would read "uploading" until it expired. The sweep takes every upload
 * still "uploading" `graceSeconds` after its creation whose source is in the
 * bucket, until it expires, as its event would have: a late event, or another
 * worker's sweep, then finds the job queued. An upload still in progress has no source yet
 * (a PUT or a multipart completion writes it whole).
 */
export async function sweepMissedUploads(deps: {
  videos: VideoStore; sourceExists: (videoId: string) => Promise<boolean>; acceptUpload: UploadAcceptor; logger: Logger;
  graceSeconds: number; expirySeconds: number; now?: number;
}): Promise<string[]> {
  const { videos, sourceExists, acceptUpload, logger, graceSeconds, expirySeconds, now = Date.now() } = deps;
  const queued: string[] = [];
  const before = now - graceSeconds * 1000;
  for (let after: { createdAt: string; id: string } | undefined, more = true; more; ) {
    // Expired uploads are failed, and their URLs dead: abandoned ones are not looked at for ever.
    const page = await videos.page({ all: true }, { limit: 100, after, status: 'uploading', expiredBefore: new Date(now - expirySeconds * 1000).toISOString() });
    more = page.length === 100;
    after = page.at(-1) && { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id };
    for (const video of page) {
      if (Date.parse(video.createdAt) > before || !(await sourceExists(video.id))) continue;
      if ((await acceptUpload(video.id)) === 'queued') {
        queued.push(video.id);
        logger.warn({ videoId: video.id }, 'upload without its event from MinIO: job queued by the sweep');
      }
    }
  }
  return queued;
}
