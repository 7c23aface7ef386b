import { Router } from 'express';
import { z } from 'zod';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import type { Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { authenticate } from '../http/authenticate.ts';
import type { Principal } from '../jwt.ts';
import { asOfNow } from '../uploads/upload-limits.ts';
import { assertEntitled } from '../videos/entitlement.ts';

export const MAX_PAGE = 100;

/** A page ends after (createdAt, id) of its last video: newest first, ties by id. */
const cursorOf = (v: Video) => Buffer.from(JSON.stringify([v.createdAt, v.id])).toString('base64url');
const cursor = z.string().max(200).transform((text, ctx) => {
  try {
    const [createdAt, id] = z.tuple([z.string(), z.string()]).parse(JSON.parse(Buffer.from(text, 'base64url').toString()));
    return { createdAt, id };
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a cursor this service gave' });
    return z.NEVER;
  }
});
const listQuery = z.object({
  limit: z.string().regex(/^[0-9]{1,3}$/).transform(Number).pipe(z.number().int().min(1).max(MAX_PAGE)).default(50),
  cursor: cursor.optional(),
  status: z.enum(['uploading', 'processing', 'ready', 'failed']).optional(),
}).strict();

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
    const query = listQuery.safeParse(req.query);
    if (!query.success) {
      const issue = query.error.issues[0]!;
      throw new AppError('bad_request', `${issue.path.join('.') || 'query'}: ${issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}` : issue.message} (limit 1..${MAX_PAGE}, cursor, status)`);
    }
    const { limit, cursor: after, status } = query.data;
    const now = Date.now();
    // One more than the page: whether a next page exists, without counting.
    const found = await videos.page(principal.sub, { limit: limit + 1, after, status, expiredBefore: new Date(now - config.uploads.expiry * 1000).toISOString() });
    const page = found.slice(0, limit).map((v) => asOfNow(v, config.uploads, now));
    res.set('Cache-Control', 'private, no-store').json({
      videos: page.map((v) => view(v, principal)),
      ...(found.length > limit ? { nextCursor: cursorOf(page[page.length - 1]!) } : {}),
    });
  });

  router.get('/v1/videos/:id', authenticate(config.jwt), async (req, res) => {
    const principal = req.principal!;
    const stored = await videos.get(req.params.id as string);
    if (!stored) throw new AppError('video_not_found', `no video ${req.params.id as string}`);
    const video = asOfNow(stored, config.uploads);
    if (video.owner !== principal.sub && principal.role !== 'admin') {
      assertEntitled(video, principal, config.playback);
      if (video.status !== 'ready') throw new AppError('video_not_found', `no video ${video.id}`);
    }
    res.set('Cache-Control', 'private, no-store').json(view(video, principal));
  });
  return router;
}
