import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AuditLog } from '@vidgate/common/audit';
import { z } from 'zod';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import type { ObjectStore } from '@vidgate/common/object-store';
import { nowSeconds, type UrlSigner } from '@vidgate/common/url-signer';
import { videoKeys, type Video } from '@vidgate/common/video';
import type { VideoScope, VideoStore } from '@vidgate/common/video-store';
import { auditRefusals, requester } from '../http/audit-request.ts';
import { authenticate } from '../http/authenticate.ts';
import { parseBody } from '../http/parse-body.ts';
import type { Principal } from '../jwt.ts';
import { asOfNow } from '../uploads/upload-limits.ts';
import type { UploadStorage } from '../uploads/upload-storage.ts';
import { assertMayManage, assertMaySee, mayManage } from '../videos/access.ts';
import { descriptionText, titleText } from '../videos/text-fields.ts';

export const MAX_PAGE = 100;
export const VIEWS = ['mine', 'shared', 'all'] as const;
const MAX_SHARES = 100;

/** A page ends after (createdAt, id) of its last video: newest first, ties by id. */
const cursorOf = (v: Video) => Buffer.from(JSON.stringify([v.createdAt, v.id])).toString('base64url');
const cursor = z.string().max(200).transform((text, ctx) => {
  try {
    const [createdAt, id] = z.tuple([z.iso.datetime(), z.string()]).parse(JSON.parse(Buffer.from(text, 'base64url').toString()));
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
  view: z.enum(VIEWS).default('mine'),
}).strict();

/** A user name or group as the identity provider spells it: printable, no commas or control characters. */
const principalName = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f,]+$/, 'no control characters or commas');
const names = z.array(principalName).max(MAX_SHARES).transform((list) => [...new Set(list)]);
export const patchBody = z.object({
  title: titleText.trim().min(1).optional(),
  description: descriptionText.optional(),
  visibility: z.enum(['public', 'private', 'premium']).optional(),
  /** Replaces the lists it names: users and groups who may watch the video whatever its visibility. */
  sharedWith: z.object({ users: names.optional(), groups: names.optional() }).strict().optional(),
}).strict().refine((body) => Object.keys(body).length > 0, 'name at least one of title, description, visibility, sharedWith');

/** A ready video's poster, signed like any media URL, for as long as a playback's master playlist. */
export type PosterSigner = (video: Video) => string;

/** What a video looks like from outside: no upload bookkeeping; sharing only to those who manage it. */
function view(video: Video, principal: Principal, poster: PosterSigner) {
  const manages = mayManage(video, principal);
  return {
    id: video.id,
    title: video.title,
    description: video.description,
    owner: video.owner,
    visibility: video.visibility,
    status: video.status,
    progress: video.progress,
    ...(manages ? { sharedWith: { users: video.allowedUsers, groups: video.allowedGroups } } : {}),
    ...(video.failureReason && manages ? { failureReason: video.failureReason } : {}),
    ...(video.status === 'ready' ? { durationSeconds: video.durationSeconds, renditions: video.renditions, playbackUrl: `/v1/videos/${video.id}/playback`, posterUrl: poster(video) } : {}),
    createdAt: video.createdAt,
    updatedAt: video.updatedAt,
  };
}

function queryProblem(error: z.ZodError): AppError {
  const issue = error.issues[0]!;
  return new AppError('bad_request', `${issue.path.join('.') || 'query'}: ${issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}` : issue.message} (limit 1..${MAX_PAGE}, cursor, status, view ${VIEWS.join('|')})`);
}

export function videoRoutes(deps: { config: AuthConfig; videos: VideoStore; objects: ObjectStore; storage: UploadStorage; signer: UrlSigner; audit: AuditLog }): Router {
  const { config, videos, objects, storage, signer, audit } = deps;
  const poster: PosterSigner = (video) => config.publicUrl + signer.signPath(`/media/${videoKeys.hlsPrefix(video.id)}poster.jpg`, nowSeconds() + config.playback.masterTtl);
  const router = Router();
  const signedIn = authenticate(config.jwt);

  /** The caller's library: their own videos, those shared with them (ready ones), or, for admins, all. */
  router.get('/v1/videos', signedIn, async (req, res) => {
    const principal = req.principal!;
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw queryProblem(query.error);
    const { limit, cursor: after, status, view: which } = query.data;
    if (which === 'all' && principal.role !== 'admin') throw new AppError('forbidden', 'view=all needs the admin role');
    if (which === 'shared' && status && status !== 'ready') throw new AppError('bad_request', 'status: videos shared with you are listed once ready');
    const scope: VideoScope = which === 'mine' ? { owner: principal.sub } : which === 'shared' ? { sharedWith: { user: principal.sub, groups: principal.groups ?? [] } } : { all: true };
    const now = Date.now();
    // One more than the page: whether a next page exists, without counting.
    const found = await videos.page(scope, { limit: limit + 1, after, status: which === 'shared' ? 'ready' : status, expiredBefore: new Date(now - config.uploads.expiry * 1000).toISOString() });
    const page = found.slice(0, limit).map((v) => asOfNow(v, config.uploads, now));
    res.set('Cache-Control', 'private, no-store').json({
      videos: page.map((v) => view(v, principal, poster)),
      ...(found.length > limit ? { nextCursor: cursorOf(page[page.length - 1]!) } : {}),
    });
  });

  router.get('/v1/videos/:id', signedIn, async (req, res) => {
    const stored = await videos.get(req.params.id as string);
    if (!stored) throw new AppError('video_not_found', `no video ${req.params.id as string}`);
    const video = asOfNow(stored, config.uploads);
    assertMaySee(video, req.principal, config.playback);
    res.set('Cache-Control', 'private, no-store').json(view(video, req.principal!, poster));
  });

  /** Renames, describes, changes visibility and sharing: the owner or an admin. */
  router.patch('/v1/videos/:id', signedIn, async (req, res) => {
    const body = parseBody(patchBody, req.body);
    const id = req.params.id as string;
    const stored = await videos.get(id);
    if (!stored) throw new AppError('video_not_found', `no video ${id}`);
    assertMayManage(stored, req.principal, config.playback);
    const changed = await videos.patch(id, {
      title: body.title, description: body.description, visibility: body.visibility,
      allowedUsers: body.sharedWith?.users, allowedGroups: body.sharedWith?.groups,
      updatedAt: new Date().toISOString(),
    });
    // Deleted in between: as if it had never been.
    if (!changed) throw new AppError('video_not_found', `no video ${id}`);
    const fields = (['title', 'description', 'visibility'] as const).filter((f) => body[f] !== undefined && body[f] !== stored[f]);
    if (fields.length > 0) await audit.record({ ...requester(req), action: 'video.changed', videoId: id, detail: { fields, ...(body.visibility ? { visibility: body.visibility } : {}) } });
    // Who was given access, and when: the lists as they now are, and what changed in them.
    if (body.sharedWith) {
      const added = { users: changed.allowedUsers.filter((u) => !stored.allowedUsers.includes(u)), groups: changed.allowedGroups.filter((g) => !stored.allowedGroups.includes(g)) };
      const removed = { users: stored.allowedUsers.filter((u) => !changed.allowedUsers.includes(u)), groups: stored.allowedGroups.filter((g) => !changed.allowedGroups.includes(g)) };
      await audit.record({ ...requester(req), action: 'video.shared', videoId: id, detail: { users: changed.allowedUsers, groups: changed.allowedGroups, added, removed } });
    }
    res.set('Cache-Control', 'private, no-store').json(view(asOfNow(changed, config.uploads), req.principal!, poster));
  });

  /**
   * Deletes a video for good: an upload in progress is ended (its URLs
   * revoked, its multipart upload aborted), then its objects (source,
   * renditions, posters, playlists), then its record, then the objects again.
   * Objects first: a deletion cut short leaves the record, and the same
   * DELETE finishes it. A video that is not there (any more) answers 204 too.
   */
  router.delete('/v1/videos/:id', signedIn, async (req, res) => {
    const id = req.params.id as string;
    const video = await videos.get(id);
    if (video) {
      assertMayManage(video, req.principal, config.playback);
      if (video.status === 'uploading' && video.source) {
        await storage.revokeUrls(id);
        const { uploadId } = video.source;
        if (uploadId) await storage.abortMultipart(id, uploadId).catch((err) => { if (!(err instanceof AppError && err.code === 'not_found')) throw err; });
      }
      const removeObjects = async () => {
        await objects.removeAll(videoKeys.uploadPrefix(id));
        await objects.removeAll(videoKeys.prefix(id));
      };
      await removeObjects();
      // A transcoder publishing meanwhile holds the video's row until it has written
      // everything: removing the record waits for it, and a second pass takes what it wrote.
      await videos.remove(id);
      await removeObjects();
      req.log?.info({ videoId: id, owner: video.owner, by: req.principal!.sub }, 'video deleted');
      await audit.record({ ...requester(req), action: 'video.deleted', videoId: id, detail: { owner: video.owner, title: video.title, status: video.status } });
    }
    res.set('Cache-Control', 'no-store').status(204).end();
  });
  // After the routes: a refused change or deletion goes into the trail (reads and playback have their own).
  const refusals = auditRefusals(audit, 'video.refused');
  router.use('/v1/videos/:id', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if ((req.method === 'PATCH' || req.method === 'DELETE') && req.path === '/') return refusals(err, req, res, next);
    next(err);
  });
  return router;
}
