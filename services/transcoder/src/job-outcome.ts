import type { LeasedTx } from './job-store.ts';

/** What an uploader reads when transcoding failed for a reason of ours, not of the upload. */
export const TRANSCODE_FAILED = 'transcoding failed; the source is kept for inspection';

/** An attempt's end that another attempt would not change (an unusable upload, the time limit): the job ends failed at once. */
export class FinalFailure extends Error {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'FinalFailure';
  }
}

/** Marks the video failed with `reason`, unless it already ended (a cancelled upload keeps its own reason). */
export async function failVideo(tx: LeasedTx, videoId: string, reason: string): Promise<void> {
  const { videos } = tx;
  const video = await videos.get(videoId);
  if (!video || (video.status !== 'uploading' && video.status !== 'processing')) return;
  await videos.put({ ...video, status: 'failed', failureReason: reason, updatedAt: new Date().toISOString() });
}
