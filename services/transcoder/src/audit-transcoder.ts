import type { AuditLog } from '@vidgate/common/audit';
import type { VideoStore } from '@vidgate/common/video-store';
import type { Lease } from './job-store.ts';
import type { UploadSealer } from './seal-upload.ts';
import type { AttemptResult } from './worker.ts';

/**
 * The transcoder's part of the audit trail, hooked onto what server.ts already
 * wires (the sealer the webhook calls, the worker's onAttempt), so the job's own
 * code stays as it is. Writes happen after the outcome is committed, outside the
 * job's transaction: the trail's lock is never held while objects are published.
 */
export function auditTranscoder(deps: { audit: AuditLog; videos: VideoStore }) {
  const { audit, videos } = deps;
  return {
    /** Failed writes, for the transcoder's registry. */
    failures: audit.failures,
    /** Resolves once the events recorded so far are written: before the process exits. */
    flush: () => audit.flush(),
    /**
     * A single PUT or POST ends where only the transcoder sees it: MinIO's event
     * that the source landed (a multipart upload is completed through the auth
     * service, which records it). MinIO may send an event twice: recorded once.
     */
    sealing(seal: UploadSealer): UploadSealer {
      return async (videoId) => {
        await seal(videoId);
        const video = await videos.get(videoId).catch(() => undefined);
        if (video?.status !== 'uploading' || video.source?.uploadId) return;
        const earlier = await audit.query({ action: 'upload.completed', videoId, limit: 1 }).catch(() => undefined);
        if (earlier?.events.length === 0) {
          await audit.record({ action: 'upload.completed', actor: video.owner, videoId, detail: { kind: 'single', bytes: video.source?.size, seenBy: 'transcoder' } });
        }
      };
    },
    /** A job's outcome (ready, or failed for good), with what the video now says. */
    async outcome(lease: Lease, result: AttemptResult): Promise<void> {
      if (result !== 'ready' && result !== 'failed' && result !== 'gave_up') return;
      const video = await videos.get(lease.videoId).catch(() => undefined);
      const detail = result === 'ready'
        ? { durationSeconds: video?.durationSeconds, renditions: video?.renditions.map((r) => r.name), attempt: lease.attempt }
        : { reason: video?.failureReason, attempt: lease.attempt, ...(result === 'gave_up' ? { gaveUp: true } : {}) };
      await audit.record({ action: result === 'ready' ? 'transcode.ready' : 'transcode.failed', actor: 'system:transcoder', videoId: lease.videoId, detail });
    },
  };
}
