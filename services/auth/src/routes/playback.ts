import { Router } from 'express';
import type { AuthConfig } from '../auth-config.ts';
import type { AuditLog } from '@vidgate/common/audit';
import { AppError } from '@vidgate/common/errors';
import { nowSeconds, type UrlSigner } from '@vidgate/common/url-signer';
import { videoKeys } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { authenticate } from '../http/authenticate.ts';
import { auditRefusals, requester } from '../http/audit-request.ts';
import type { Metrics } from '../http/metrics.ts';
import { assertMayWatch } from '../videos/access.ts';
import { storyboardPath } from './storyboard.ts';

/** GET /v1/videos/:id/playback: checks entitlement and returns a signed master playlist URL. */
export function playbackRoutes(deps: { config: AuthConfig; signer: UrlSigner; videos: VideoStore; metrics: Metrics; audit: AuditLog }): Router {
  const { config, signer, videos, metrics, audit } = deps;
  const router = Router();
  router.get('/v1/videos/:id/playback', authenticate(config.jwt, { optional: true }), async (req, res) => {
    const id = req.params.id as string;
    if (!req.principal && !config.playback.anonymousPublic) {
      throw new AppError('token_missing', 'an "Authorization: Bearer <token>" header is required');
    }
    const video = await videos.get(id);
    if (!video) throw new AppError('video_not_found', `no video ${id}`);
    assertMayWatch(video, req.principal, config.playback);
    if (video.status !== 'ready') throw new AppError('video_not_ready', `video ${id} is ${video.status}`);
    const exp = nowSeconds() + config.playback.masterTtl;
    metrics.urlsSigned.inc({ kind: 'playlist' });
    metrics.urlsSigned.inc({ kind: 'media' });
    const recorded = audit.record({ ...requester(req), action: 'playback.granted', videoId: id, detail: { visibility: video.visibility, expiresAt: new Date(exp * 1000).toISOString() } });
    if (config.playback.audit === 'before-grant' && !(await recorded)) {
      throw new AppError('unavailable', 'the audit trail cannot be written now, and playback is granted only once it is recorded', undefined, 5);
    }
    res.set('Cache-Control', 'private, no-store').json({
      videoId: id,
      masterUrl: config.publicUrl + signer.signPath(`/v1/hls/${id}/master.m3u8`, exp),
      posterUrl: config.publicUrl + signer.signPath(`/media/${videoKeys.hlsPrefix(id)}poster.jpg`, exp),
      ...(video.hasStoryboard ? { storyboardUrl: config.publicUrl + signer.signPath(storyboardPath(id), exp) } : {}),
      expiresAt: new Date(exp * 1000).toISOString(),
      durationSeconds: video.durationSeconds,
      renditions: video.renditions,
    });
  });
  // After the route: its refusals (a token, entitlement, a video not there or not ready) go into the trail.
  router.use('/v1/videos/:id/playback', auditRefusals(audit, 'playback.refused'));
  return router;
}
