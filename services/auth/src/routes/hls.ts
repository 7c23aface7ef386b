import { Router } from 'express';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import type { ObjectStore } from '@vidgate/common/object-store';
import { nowSeconds, type UrlSigner } from '@vidgate/common/url-signer';
import { videoKeys } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { rewritePlaylist } from '../hls/rewrite-playlist.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Cache } from '../videos/cache.ts';
import { mediaExpiry } from '../videos/expiry.ts';

const HLS_PREFIX = '/v1/hls/';

/**
 * GET /v1/hls/<videoId>/<playlist>.m3u8?<signature>: the signature over this
 * path is the capability (minted by playback or by a parent playlist). The
 * stored playlist is rewritten so that every URI in it is signed on its own:
 * nested playlists back to this route, media to nginx's /media/.
 */
export function hlsRoutes(deps: { config: AuthConfig; signer: UrlSigner; videos: VideoStore; objects: ObjectStore; cache: Cache; metrics: Metrics }): Router {
  const { config, signer, videos, objects, cache, metrics } = deps;
  const router = Router();
  router.get('/v1/hls/:id/*rest', async (req, res) => {
    const id = req.params.id as string;
    const path = req.path;
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    const verdict = signer.verify(path, query);
    if (!verdict.ok) throw new AppError(verdict.error, 'this playlist URL is not validly signed');
    const relative = path.slice(`${HLS_PREFIX}${id}/`.length);
    if (!relative.endsWith('.m3u8')) throw new AppError('not_found', 'only playlists are served here; media comes from /media/');

    const video = await videos.get(id);
    if (!video || video.status !== 'ready') throw new AppError('video_not_found', `no playable video ${id}`);
    const prefix = videoKeys.hlsPrefix(id);
    const playlistKey = prefix + relative;
    const exp = mediaExpiry(nowSeconds(), video.durationSeconds ?? 0, config.playback);

    let hit = true;
    const bytes = await cache.getOrLoad(`signed:${playlistKey}:${exp}`, async () => {
      hit = false;
      const stored = await cache.getOrLoad(`stored:${playlistKey}`, () => objects.getText(playlistKey));
      if (stored === undefined) return undefined;
      const signed = { media: 0, playlist: 0 };
      const rewritten = rewritePlaylist({
        text: stored,
        playlistKey,
        videoPrefix: prefix,
        signMedia: (key) => {
          signed.media++;
          return signer.signPath(`/media/${key}`, exp);
        },
        signPlaylist: (key) => {
          signed.playlist++;
          return signer.signPath(`${HLS_PREFIX}${id}/${key.slice(prefix.length)}`, exp);
        },
      });
      metrics.urlsSigned.inc({ kind: 'media' }, signed.media);
      metrics.urlsSigned.inc({ kind: 'playlist' }, signed.playlist);
      // Cached as bytes, so a hit sends them without re-encoding; as a Buffer,
      // express adds no charset to the HLS media type either.
      return Buffer.from(rewritten);
    });
    if (bytes === undefined) throw new AppError('not_found', `video ${id} has no playlist ${relative}`);
    metrics.manifests.inc({ cache: hit ? 'hit' : 'miss' });
    res.set({ 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'private, no-store' }).send(bytes);
  });
  return router;
}
