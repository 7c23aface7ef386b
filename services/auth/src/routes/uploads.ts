import { randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AuthConfig } from '../auth-config.ts';
import type { AuditLog } from '@vidgate/common/audit';
import { AppError } from '@vidgate/common/errors';
import { UPLOAD_CANCELLED, UPLOAD_EXPIRED, type Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { authenticate } from '../http/authenticate.ts';
import { requester } from '../http/audit-request.ts';
import type { Metrics } from '../http/metrics.ts';
import { parseBody } from '../http/parse-body.ts';
import { planUpload } from '../uploads/plan-upload.ts';
import { assertWithinQuota, isExpiredUpload, quotaWindowStart, secondsToExpiry } from '../uploads/upload-limits.ts';
import type { UploadStorage, UploadUrls } from '../uploads/upload-storage.ts';
import { titleText } from '../videos/text-fields.ts';
import { nowSeconds } from '@vidgate/common/url-signer';

const PART_BATCH = 100;

const createBody = z.object({
  fileName: z.string().min(1).max(255).regex(/^[^\u0000-\u001f\u007f/\\]+$/, 'no control characters or slashes'),
  size: z.number().int().positive(),
  contentType: z.string().min(1).max(100),
  title: titleText.optional(),
  visibility: z.enum(['public', 'private', 'premium']).default('private'),
});
const completeBody = z.object({
  parts: z.array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1) })).optional(),
});

/** A video still uploading: it has its source's description. */
type OpenUpload = Video & { source: NonNullable<Video['source']> };

const newVideoId = () => randomBytes(9).toString('base64url');

/**
 * Direct uploads: the service only hands out presigned URLs and keeps the
 * books; the bytes go from the client through nginx to MinIO.
 */
export function uploadRoutes(deps: { config: AuthConfig; videos: VideoStore; storage: UploadStorage; metrics: Metrics; audit: AuditLog }): Router {
  const { config, videos, storage, metrics, audit } = deps;
  const ttl = config.uploads.urlTtl;
  const router = Router();
  router.use('/v1/uploads', authenticate(config.jwt));

  /** Ends an open upload: its URLs revoked, its multipart upload aborted (if storage has not already), its record failed. */
  async function endUpload(video: OpenUpload, reason: typeof UPLOAD_CANCELLED | typeof UPLOAD_EXPIRED) {
    await storage.revokeUrls(video.id);
    const { uploadId } = video.source;
    if (uploadId) await storage.abortMultipart(video.id, uploadId).catch((err) => { if (!(err instanceof AppError && err.code === 'not_found')) throw err; });
    await videos.put({ ...video, status: 'failed', failureReason: reason, updatedAt: new Date().toISOString() });
  }

  /** The caller's own upload that is still open. */
  async function openUpload(req: Request): Promise<OpenUpload> {
    const video = await videos.get(req.params.id as string);
    if (!video || (video.owner !== req.principal!.sub && req.principal!.role !== 'admin')) {
      throw new AppError('video_not_found', `no upload ${req.params.id as string}`);
    }
    if (video.status !== 'uploading' || !video.source) throw new AppError('conflict', `video ${video.id} is ${video.status}, not uploading`);
    if (isExpiredUpload(video, config.uploads)) {
      // Ended now, not only refused: MinIO's own cleanup of stale multipart uploads (set to the same expiry) is the backstop.
      await endUpload(video as OpenUpload, UPLOAD_EXPIRED);
      await audit.record({ ...requester(req), action: 'upload.expired', videoId: video.id, detail: { createdAt: video.createdAt } });
      throw new AppError('upload_expired', `upload ${video.id} was not completed within ${config.uploads.expiry} seconds; start a new one`);
    }
    return video as OpenUpload;
  }

  /** Each part URL is bound to that part's exact size (the last one is shorter). */
  async function partUrls(urls: UploadUrls, video: { size: number; uploadId: string; partSize: number }, from: number, count: number) {
    const numbers = Array.from({ length: count }, (_, i) => from + i);
    return Promise.all(numbers.map(async (partNumber) => {
      const size = Math.min(video.partSize, video.size - (partNumber - 1) * video.partSize);
      return { partNumber, size, url: await urls.part(video.uploadId, { partNumber, size }) };
    }));
  }

  router.post('/v1/uploads', async (req, res) => {
    const body = parseBody(createBody, req.body);
    if (!config.uploads.contentTypes.includes(body.contentType)) {
      throw new AppError('unsupported_media_type', `only video uploads are accepted: ${config.uploads.contentTypes.join(', ')}`);
    }
    if (body.size > config.uploads.maxBytes) {
      throw new AppError('payload_too_large', `the file is larger than the limit of ${config.uploads.maxBytes} bytes`);
    }
    const owner = req.principal!.sub;
    // The check and the record it counts are one step per user, across every replica.
    const { id, plan, expiresAt, upload } = await videos.withOwnerLock(owner, async (locked) => {
      assertWithinQuota(await locked.createdSince(owner, quotaWindowStart(config.uploads)), body.size, config.uploads);
      const id = newVideoId();
      const urls = await storage.urls(id, ttl);
      const plan = planUpload(body.size, config.uploads);
      const expiresAt = new Date((nowSeconds() + ttl) * 1000).toISOString();
      let upload;
      let source: Video['source'] = { fileName: body.fileName, contentType: body.contentType, size: body.size };
      if (plan.kind === 'single') {
        upload = {
          kind: 'single',
          put: { method: 'PUT', url: await urls.put(body.contentType, body.size), headers: { 'Content-Type': body.contentType, 'If-None-Match': '*' } },
          post: { method: 'POST', ...(await urls.post(body.contentType, body.size)) },
        };
      } else {
        const uploadId = await storage.createMultipart(id, body.contentType);
        source = { ...source, uploadId, partSize: plan.partSize };
        upload = {
          kind: 'multipart',
          partSize: plan.partSize,
          partCount: plan.partCount,
          parts: await partUrls(urls, { size: body.size, uploadId, partSize: plan.partSize }, 1, Math.min(PART_BATCH, plan.partCount)),
          ...(plan.partCount > PART_BATCH ? { morePartsUrl: `/v1/uploads/${id}/parts?from=${PART_BATCH + 1}&count=${PART_BATCH}` } : {}),
          uploadedPartsUrl: `/v1/uploads/${id}/parts/uploaded`,
          completeUrl: `/v1/uploads/${id}/complete`,
          abortUrl: `/v1/uploads/${id}`,
        };
      }
      const now = new Date().toISOString();
      await locked.create({
        id, owner, title: body.title ?? body.fileName, description: '', visibility: body.visibility, allowedUsers: [], allowedGroups: [],
        status: 'uploading', progress: 0, renditions: [], source, createdAt: now, updatedAt: now,
      });
      return { id, plan, expiresAt, upload };
    });
    metrics.uploads.inc({ kind: plan.kind, outcome: 'created' });
    await audit.record({ ...requester(req), action: 'upload.created', videoId: id, detail: { kind: plan.kind, size: body.size, contentType: body.contentType, visibility: body.visibility } });
    res.status(201).json({ videoId: id, status: 'uploading', statusUrl: `/v1/videos/${id}`, expiresAt, upload });
  });

  router.get('/v1/uploads/:id/parts', async (req, res) => {
    const video = await openUpload(req);
    const { uploadId, partSize } = video.source;
    if (!uploadId || !partSize) throw new AppError('conflict', 'this upload is a single PUT/POST, not multipart');
    const partCount = Math.ceil(video.source.size / partSize);
    const from = Number(req.query.from ?? 1);
    const count = Math.min(Number(req.query.count ?? PART_BATCH), PART_BATCH, partCount - from + 1);
    if (!Number.isInteger(from) || from < 1 || from > partCount || !Number.isInteger(count) || count < 1) {
      throw new AppError('bad_request', `from must be 1..${partCount} and count 1..${PART_BATCH}`);
    }
    const lifetime = Math.min(ttl, secondsToExpiry(video, config.uploads));
    const parts = await partUrls(await storage.urls(video.id, lifetime), { size: video.source.size, uploadId, partSize }, from, count);
    res.json({ partSize, partCount, expiresAt: new Date((nowSeconds() + lifetime) * 1000).toISOString(), parts });
  });

  router.get('/v1/uploads/:id/parts/uploaded', async (req, res) => {
    const video = await openUpload(req);
    if (!video.source.uploadId) throw new AppError('conflict', 'this upload is a single PUT/POST, not multipart');
    res.json({ parts: await storage.listParts(video.id, video.source.uploadId) });
  });

  router.post('/v1/uploads/:id/complete', async (req, res) => {
    const video = await openUpload(req);
    const { uploadId, partSize } = video.source;
    if (!uploadId || !partSize) throw new AppError('conflict', 'this upload is a single PUT/POST, not multipart');
    const given = parseBody(completeBody, req.body).parts;
    const partCount = Math.ceil(video.source.size / partSize);
    const uploaded = (await storage.listParts(video.id, uploadId)).filter((p) => p.partNumber <= partCount);
    const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !uploaded.some((p) => p.partNumber === n));
    if (missing.length > 0) throw new AppError('conflict', `parts not uploaded yet: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`, { missing });
    const bytes = uploaded.reduce((sum, p) => sum + p.size, 0);
    if (bytes !== video.source.size) throw new AppError('conflict', `uploaded ${bytes} bytes, declared ${video.source.size}`);
    // What is completed is what storage holds and was checked above; a client's own
    // list may only confirm it, never choose a subset.
    const sameAsStored = (p: { partNumber: number; etag: string }) => uploaded.some((u) => u.partNumber === p.partNumber && u.etag.replace(/"/g, '') === p.etag.replace(/"/g, ''));
    if (given && (given.length !== uploaded.length || !given.every(sameAsStored))) {
      throw new AppError('conflict', 'the parts listed are not the parts uploaded; omit "parts" to complete with what storage holds');
    }
    await storage.completeMultipart(video.id, uploadId, uploaded);
    await storage.revokeUrls(video.id);
    metrics.uploads.inc({ kind: 'multipart', outcome: 'completed' });
    await audit.record({ ...requester(req), action: 'upload.completed', videoId: video.id, detail: { kind: 'multipart', bytes, parts: uploaded.length } });
    res.json({ videoId: video.id, status: 'uploading', statusUrl: `/v1/videos/${video.id}` });
  });

  router.delete('/v1/uploads/:id', async (req, res) => {
    const video = await openUpload(req);
    await endUpload(video, UPLOAD_CANCELLED);
    metrics.uploads.inc({ kind: video.source.uploadId ? 'multipart' : 'single', outcome: 'aborted' });
    await audit.record({ ...requester(req), action: 'upload.cancelled', videoId: video.id, detail: { kind: video.source.uploadId ? 'multipart' : 'single' } });
    res.status(204).end();
  });
  return router;
}
