import { randomBytes } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AuditLog } from '@vidgate/common/audit';
import { AppError } from '@vidgate/common/errors';
import type { ObjectStore } from '@vidgate/common/object-store';
import { videoKeys, type Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import type { AuthConfig } from '../auth-config.ts';
import { captionLabel, captionLanguage } from '../captions/language.ts';
import { presentationStart } from '../captions/subtitles.ts';
import { MAX_CAPTION_BYTES, parseCaptionFile, withTimestampMap } from '../captions/webvtt.ts';
import { auditRefusals, requester } from '../http/audit-request.ts';
import { authenticate } from '../http/authenticate.ts';
import { assertMayManage } from '../videos/access.ts';

/** Where ffmpeg's MPEG-TS muxer starts (1.4 s at 90 kHz): the mapping used when the first segment cannot be read. */
const FFMPEG_TS_START = 126_000;
const CAPTION = '/v1/videos/:id/captions/:language';
/** Languages one video may have: each is an object stored and a line in every master playlist of it. */
export const MAX_CAPTIONS = 20;

/** The caption list as the API shows it. */
const listed = (video: Video) => ({ captions: video.captions.map(({ language, label, updatedAt }) => ({ language, label, updatedAt })) });

/** Only WebVTT, in UTF-8 (a charset, if named, must be that). */
function assertWebVtt(req: Request): void {
  if (!req.is('text/vtt')) throw new AppError('unsupported_media_type', 'send the caption file as Content-Type: text/vtt');
  const charset = /;\s*charset="?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) throw new AppError('unsupported_media_type', 'a caption file must be UTF-8');
}

/**
 * Captions of a video, managed by its owner or an admin:
 *   PUT    /v1/videos/:id/captions/:language?label=…  (WebVTT body) adds or replaces one
 *   GET    /v1/videos/:id/captions                      lists them
 *   DELETE /v1/videos/:id/captions/:language            removes one
 * The file is stored at videos/<id>/captions/<language>.<version>.vtt with a
 * timestamp mapping for HLS, a new version for each file, and the file it
 * replaced removed: no cache can answer a new playback with the old file. The
 * master playlist names each caption as a subtitles rendition.
 */
export function captionRoutes(deps: { config: AuthConfig; videos: VideoStore; objects: ObjectStore; audit: AuditLog }): Router {
  const { config, videos, objects, audit } = deps;
  const router = Router();
  const signedIn = authenticate(config.jwt);
  const vtt = express.raw({ type: () => true, limit: MAX_CAPTION_BYTES });

  /** The video of :id, if the caller may edit its captions. */
  const managed = async (req: Request): Promise<Video> => {
    const id = req.params.id as string;
    const video = await videos.get(id);
    if (!video) throw new AppError('video_not_found', `no video ${id}`);
    // Captions are part of the video: whoever may manage it (403 for its viewers, 404 for anyone else); viewers get them through the signed master.
    assertMayManage(video, req.principal, config.playback);
    return video;
  };

  router.get('/v1/videos/:id/captions', signedIn, async (req, res) => {
    res.set('Cache-Control', 'private, no-store').json(listed(await managed(req)));
  });

  // Checked before the body is read: who, which language, which video, what type.
  const checked = async (req: Request, res: Response, next: NextFunction) => {
    const unknown = Object.keys(req.query).filter((name) => name !== 'label');
    if (unknown.length > 0) throw new AppError('bad_request', `unknown parameter ${unknown.join(', ')} (label)`);
    const language = captionLanguage(req.params.language as string);
    const label = captionLabel(req.query.label, language);
    const video = await managed(req);
    // Cue times are mapped onto the published segments: there must be some.
    if (video.status !== 'ready') throw new AppError('video_not_ready', `video ${video.id} is ${video.status}: captions are added once it is ready`);
    if (video.captions.length >= MAX_CAPTIONS && !video.captions.some((c) => c.language === language)) {
      throw new AppError('conflict', `video ${video.id} has captions in ${MAX_CAPTIONS} languages, the most it may have: remove one first`);
    }
    assertWebVtt(req);
    res.locals.caption = { video, language, label };
    next();
  };

  router.put(CAPTION, signedIn, checked, vtt, async (req, res) => {
    const { video, language, label } = res.locals.caption as { video: Video; language: string; label: string };
    const { text, cues } = parseCaptionFile(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    let start = await presentationStart(objects, video.id);
    if (start === undefined) {
      req.log?.warn({ videoId: video.id }, 'first segment unreadable: captions mapped to the MPEG-TS default start');
      start = FFMPEG_TS_START;
    }
    const caption = { language, label, updatedAt: new Date().toISOString(), version: randomBytes(8).toString('hex') };
    const key = videoKeys.caption(video.id, caption);
    await objects.putText(key, withTimestampMap(text, start), 'text/vtt; charset=utf-8');
    const changed = await videos.setCaption(video.id, caption).catch(async (err: unknown) => {
      await removeFile(req, key); // the list does not name it: nothing may keep it
      throw err;
    });
    if (!changed) {
      // Deleted meanwhile: nothing of it may stay behind.
      await removeFile(req, key);
      throw new AppError('video_not_found', `no video ${video.id}`);
    }
    const replaced = changed.previous !== undefined;
    await audit.record({ ...requester(req), action: 'caption.added', videoId: video.id, detail: { language, label, bytes: (req.body as Buffer).length, cues, replaced } });
    // The file this one replaced, whichever request wrote it: each file is removed by the request that replaced it, once.
    if (changed.previous) await removeFile(req, videoKeys.caption(video.id, changed.previous));
    res.status(replaced ? 200 : 201).set('Cache-Control', 'no-store').json({ language, label, updatedAt: caption.updatedAt });
  });

  /** Removes the record's entry first (playlists stop naming it), then its file; 204 also when there was none. */
  router.delete(CAPTION, signedIn, async (req, res) => {
    const language = captionLanguage(req.params.language as string);
    const video = await managed(req);
    const removed = (await videos.removeCaption(video.id, language, new Date().toISOString()))?.previous;
    if (removed) {
      await audit.record({ ...requester(req), action: 'caption.removed', videoId: video.id, detail: { language, label: removed.label } });
      await removeFile(req, videoKeys.caption(video.id, removed));
    }
    res.set('Cache-Control', 'no-store').status(204).end();
  });

  /**
   * A caption file no list names (replaced, removed, or never recorded). The answer no longer
   * depends on it: if storage fails now, the file stays (logged, removed with its video).
   */
  async function removeFile(req: Request, key: string): Promise<void> {
    await objects.removeAll(key).catch((err: unknown) => req.log?.warn({ err, key }, 'a caption file no longer named by its video could not be removed'));
  }

  // A refused change goes into the trail, as for the video's own changes.
  router.use(CAPTION, auditRefusals(audit, 'video.refused'));
  return router;
}
