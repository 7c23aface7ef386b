import { Router } from 'express';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import type { Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { authenticate } from '../http/authenticate.ts';
import type { Principal } from '../jwt.ts';
import { assertEntitled } from '../videos/entitlement.ts';

/** What a video looks like from outside: no upload bookkeeping. */
function view(video: Video, principal: Principal) {
  const mine = video.owner === principal.sub || principal.role === 'admin';
  return {
    id: video.id,
    title: video.title,
    owner: video.owner,
    visibility: video.visibility,
    status: video.status,
    progress: video.progress,
    ...(video.failureReason && mine ? { failureReason: video.failureReason } : {}),
    ...(video.status === 'ready' ? { durationSeconds: video.durationSeconds, renditions: video.renditions, playbackUrl: `/v1/videos/${video.id}/playback` } : {}),
    createdAt: video.createdAt,
    updatedAt: video.updatedAt,
  };
}

export function videoRoutes(deps: { config: AuthConfig; videos: VideoStore }): Router {
  const { config, videos } = deps;
  const router = Router();

  router.get('/v1/videos', authenticate(config.jwt), async (req, res) => {
    const principal = req.principal!;
    const mine = await videos.listByOwner(principal.sub);
    mine.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    res.json({ videos: mine.map((v) => view(v, principal)) });
  });

  router.get('/v1/videos/:id', authenticate(config.jwt), async (req, res) => {
    const principal = req.principal!;
    const video = await videos.get(req.params.id as string);
    if (!video) throw new AppError('video_not_found', `no video ${req.params.id as string}`);
    if (video.owner !== principal.sub && principal.role !== 'admin') {
      assertEntitled(video, principal, config.playback);
      if (video.status !== 'ready') throw new AppError('video_not_found', `no video ${video.id}`);
    }
    res.set('Cache-Control', 'private, no-store').json(view(video, principal));
  });
  return router;
}
