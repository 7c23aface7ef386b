import { Router } from 'express';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import { nowSeconds, type UrlSigner } from '@vidgate/common/url-signer';
import { videoKeys } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { authenticate } from '../http/authenticate.ts';
import type { Metrics } from '../http/metrics.ts';
import { assertEntitled } from '../videos/entitlement.ts';

/** GET /v1/videos/:id/playback: checks entitlement and returns a signed master playlist URL. */
export function playbackRoutes(deps: { config: AuthConfig; signer: UrlSigner; videos: VideoStore; metrics: Metrics }): Router {
  const { config, signer, videos, metrics } = deps;
  const router = Router();
  router.get('/v1/videos/:id/playback', authenticate(config.jwt, { optional: true }), async (req, res) => {
    const id = req.params.id as string;
    if (!req.principal && !config.playback.anonymousPublic) {
      throw new AppError('token_missing', 'an "Authorization: Bearer <token>" header is required');
    }
    const video = await videos.get(id);
    if (!video) throw new AppError('video_not_found', `no video ${id}`);
    assertEntitled(video, req.principal, config.playback);
    if (video.status !== 'ready') throw new AppError('video_not_ready', `video ${id} is ${video.status}`);
    const exp = nowSeconds() + config.playback.masterTtl;
    metrics.urlsSigned.inc({ kind: 'playlist' });
    metrics.urlsSigned.inc({ kind: 'media' });
    res.set('Cache-Control', 'private, no-store').json({
      videoId: id,
      masterUrl: config.publicUrl + signer.signPath(`/v1/hls/${id}/master.m3u8`, exp),
      posterUrl: config.publicUrl + signer.signPath(`/media/${videoKeys.hlsPrefix(id)}poster.jpg`, exp),
      expiresAt: new Date(exp * 1000).toISOString(),
      durationSeconds: video.durationSeconds,
      renditions: video.renditions,
    });
  });
  return router;
}
