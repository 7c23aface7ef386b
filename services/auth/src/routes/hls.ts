import { gzipSync } from 'node:zlib';
import { Router } from 'express';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import type { ObjectStore } from '@vidgate/common/object-store';
import { nowSeconds, type UrlSigner } from '@vidgate/common/url-signer';
import { videoKeys } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { captionsVersion, subtitleLanguageOf, subtitlePlaylist, subtitlePlaylistKey, withSubtitles } from '../captions/subtitles.ts';
import { rewritePlaylist } from '../hls/rewrite-playlist.ts';
import type { Metrics } from '../http/metrics.ts';
import { assertSignedRequest, weakEtag } from '../http/signed-request.ts';
import type { Cache } from '../videos/cache.ts';
import { mediaExpiry } from '../videos/expiry.ts';

const HLS_PREFIX = '/v1/hls/';

/**
 * A rewritten playlist as it is cached and sent: the bytes (a Buffer, so a hit
 * sends them without re-encoding and express adds no charset to the HLS media
 * type), a weak ETag (one for every encoding), and the gzip form, made the first
 * time a player asks for it. Signatures are random, so gzip saves about 70%.
 */
function signedPlaylist(bytes: Buffer) {
  let gzipped: Buffer | undefined;
  return {
    bytes,
    etag: weakEtag(bytes),
    // Level 1: the signatures do not compress at any level, the rest does at once (measured: 378 KB in 12 ms vs 376 KB in 18 ms at level 4).
    gzip: () => (gzipped ??= gzipSync(bytes, { level: 1 })),
  };
}

/**
 * GET /v1/hls/<videoId>/<playlist>.m3u8?<signature>: the signature over this
 * path is the capability (minted by playback or by a parent playlist). The
 * stored playlist is rewritten so that every URI in it is signed on its own:
 * nested playlists back to this route, media to nginx's /media/.
 */
export function hlsRoutes(deps: { config: AuthConfig; signer: UrlSigner; videos: VideoStore; records: VideoStore; objects: ObjectStore; cache: Cache; metrics: Metrics }): Router {
  const { config, signer, videos, records, objects, cache, metrics } = deps;
  const router = Router();
  router.get('/v1/hls/:id/*rest', async (req, res) => {
    const id = req.params.id as string;
    assertSignedRequest(req, res, signer, 'playlist');
    const relative = req.path.slice(`${HLS_PREFIX}${id}/`.length);
    if (!relative.endsWith('.m3u8')) throw new AppError('not_found', 'only playlists are served here; media comes from /media/');

    // Subtitle playlists are made from the caption list, not stored; the master names the captions.
    const language = subtitleLanguageOf(relative);
    // A subtitle playlist names its caption's file, removed when the file is replaced: read from the
    // database, not a copy another replica may hold for VIDGATE_CACHE_TTL. One per viewer and language.
    const video = await (language === undefined ? videos : records).get(id);
    if (!video || video.status !== 'ready') throw new AppError('video_not_found', `no playable video ${id}`);
    const prefix = videoKeys.hlsPrefix(id);
    const caption = video.captions.find((c) => c.language === language);
    if (language !== undefined && !caption) throw new AppError('not_found', `video ${id} has no captions in ${language}`);
    const playlistKey = caption ? subtitlePlaylistKey(id, caption.language) : prefix + relative;
    const master = playlistKey === videoKeys.master(id);
    const exp = mediaExpiry(nowSeconds(), video.durationSeconds ?? 0, config.playback);

    let hit = true;
    // A master names every caption, a subtitle playlist its caption's file: a change of either is a new text.
    const dependsOn = master ? captionsVersion(video.captions) : caption ? captionsVersion([caption]) : '';
    const signed = await cache.getOrLoad(`signed:${playlistKey}:${exp}${dependsOn}`, async () => {
      hit = false;
      const stored = caption ? subtitlePlaylist(caption, video.durationSeconds ?? 0) : await cache.getOrLoad(`stored:${playlistKey}`, () => objects.getText(playlistKey));
      if (stored === undefined) return undefined;
      const counted = { media: 0, playlist: 0 };
      const rewritten = rewritePlaylist({
        text: master ? withSubtitles(stored, video.captions) : stored,
        playlistKey,
        videoPrefix: caption ? videoKeys.prefix(id) : prefix,
        pathFor: (key, kind) => (kind === 'media' ? `/media/${key}` : `${HLS_PREFIX}${id}/${key.slice(prefix.length)}`),
        signInto: (text, spans, paths) => {
          for (const path of paths) counted[path.startsWith('/media/') ? 'media' : 'playlist']++;
          return signer.signInto(text, spans, paths, exp);
        },
      });
      metrics.urlsSigned.inc({ kind: 'media' }, counted.media);
      metrics.urlsSigned.inc({ kind: 'playlist' }, counted.playlist);
      return signedPlaylist(rewritten);
    });
    if (signed === undefined) throw new AppError('not_found', `video ${id} has no playlist ${relative}`);
    metrics.manifests.inc({ cache: hit ? 'hit' : 'miss' });
    // For the player only (every viewer's URLs differ), checked again each time: the ETag makes that a 304.
    res.set({ 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'private, no-cache', ETag: signed.etag, Vary: 'Accept-Encoding' });
    if (req.fresh) return void res.status(304).end();
    if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
      res.set('Content-Encoding', 'gzip').send(signed.gzip());
    } else {
      res.send(signed.bytes);
    }
  });
  return router;
}
