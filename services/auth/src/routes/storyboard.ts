import { Router } from 'express';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import type { ObjectStore } from '@vidgate/common/object-store';
import { nowSeconds, type UrlSigner } from '@vidgate/common/url-signer';
import { videoKeys } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import type { Metrics } from '../http/metrics.ts';
import { assertSignedRequest, weakEtag } from '../http/signed-request.ts';
import { signStoryboard } from '../storyboard/sign-storyboard.ts';
import type { Cache } from '../videos/cache.ts';
import { mediaExpiry } from '../videos/expiry.ts';

/** Where a player fetches it; the signature of this path is the capability (minted by playback). */
export const storyboardPath = (id: string) => `/v1/storyboards/${id}.vtt`;

/**
 * GET /v1/storyboards/<id>.vtt?<signature>: the stored WebVTT storyboard with
 * every sheet URL signed for /media/, for as long as the video's media URLs
 * live (mediaExpiry: whole minutes, so a minute's requests share one cached
 * text). Signature checked like /v1/hls/: no token, the URL is the grant.
 */
export function storyboardRoutes(deps: { config: AuthConfig; signer: UrlSigner; videos: VideoStore; objects: ObjectStore; cache: Cache; metrics: Metrics }): Router {
  const { config, signer, videos, objects, cache, metrics } = deps;
  const router = Router();
  router.get('/v1/storyboards/:id.vtt', async (req, res) => {
    const id = req.params.id as string;
    assertSignedRequest(req, res, signer, 'storyboard');

    const video = await videos.get(id);
    if (!video || video.status !== 'ready') throw new AppError('video_not_found', `no playable video ${id}`);
    if (!video.hasStoryboard) throw new AppError('not_found', `video ${id} has no storyboard`);
    const key = videoKeys.storyboard(id);
    const exp = mediaExpiry(nowSeconds(), video.durationSeconds ?? 0, config.playback);
    const signed = await cache.getOrLoad(`storyboard:${key}:${exp}`, async () => {
      const stored = await objects.getText(key);
      if (stored === undefined) return undefined;
      const { text, signed: count } = signStoryboard({ text: stored, vttKey: key, videoPrefix: videoKeys.hlsPrefix(id), signPaths: (paths) => signer.signPaths(paths, exp) });
      metrics.urlsSigned.inc({ kind: 'media' }, count);
      const bytes = Buffer.from(text);
      return { bytes, etag: weakEtag(bytes) };
    });
    if (signed === undefined) throw new AppError('not_found', `video ${id} has no storyboard`);
    // Like playlists: for this viewer only, revalidated each time (a 304 while the minute's text is the same).
    res.set({ 'Content-Type': 'text/vtt; charset=utf-8', 'Cache-Control': 'private, no-cache', ETag: signed.etag });
    if (req.fresh) return void res.status(304).end();
    res.send(signed.bytes);
  });
  return router;
}
