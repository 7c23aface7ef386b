import { Agent, type ServerResponse } from 'node:http';
import { Router } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { AuthConfig } from '../auth-config.ts';
import { AppError, errorBody } from '@vidgate/common/errors';
import { minioClient } from '@vidgate/common/minio-store';
import { isSafeObjectKey } from '@vidgate/common/object-key';
import { videoKeys } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { authenticate } from '../http/authenticate.ts';
import { assertMayWatch } from '../videos/access.ts';

const UNAVAILABLE = new AppError('storage_unavailable', 'object storage is unavailable');

/** The proxy writes its own responses, outside express: errors in the one shape all the same. */
function sendError(res: ServerResponse, error: AppError): void {
  res.writeHead(error.status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(errorBody(error)));
}

/**
 * The legacy mode, for comparison and for clients that cannot use signed URLs:
 * /v1/proxy/videos/<id>/<path> streams the stored playlists (their relative URIs
 * resolve back to this route) and segments through this process after the same
 * JWT and entitlement check. Every byte is counted as proxied.
 */
export function legacyProxyRoutes(deps: { config: AuthConfig; videos: VideoStore }): Router {
  const { config, videos } = deps;
  const signer = minioClient(config.minio, config.minio.auth);
  const router = Router();
  const proxy = createProxyMiddleware({
    target: config.minio.endpoint,
    changeOrigin: true,
    agent: new Agent({ keepAlive: true, maxSockets: 128 }),
    proxyTimeout: 30_000,
    // The target path is a short-lived presigned GET of the object: MinIO checks it.
    pathRewrite: (_path, req) => (req as unknown as { presigned: string }).presigned,
    // Responses are written here: MinIO's XML errors (which name the bucket) become JSON.
    selfHandleResponse: true,
    on: {
      proxyReq: (proxyReq, req) => {
        for (const name of Object.keys(req.headers)) {
          if (!['range', 'if-range', 'if-none-match', 'if-modified-since', 'host'].includes(name)) proxyReq.removeHeader(name);
        }
      },
      proxyRes: (proxyRes, _req, res) => {
        const status = proxyRes.statusCode ?? 502;
        if (status >= 400) {
          proxyRes.resume();
          sendError(res, status === 404 ? new AppError('not_found', 'no such object') : status === 416 ? new AppError('range_not_satisfiable', 'the requested range is outside the object') : UNAVAILABLE);
          return;
        }
        const headers = Object.fromEntries(Object.entries(proxyRes.headers).filter(([name]) => !/^x-(amz|minio)-|^server$/i.test(name)));
        res.writeHead(status, headers as Record<string, string | string[]>);
        proxyRes.pipe(res);
      },
      error: (_err, _req, res) => {
        if ('writeHead' in res && !res.headersSent) sendError(res, UNAVAILABLE);
        else res.destroy();
      },
    },
  });

  router.get('/v1/proxy/videos/:id/*rest', authenticate(config.jwt), async (req, res, next) => {
    const id = req.params.id as string;
    const rest = (req.params as { rest: string[] }).rest.join('/');
    const video = await videos.get(id);
    if (!video || video.status !== 'ready') throw new AppError('video_not_found', `no playable video ${id}`);
    assertMayWatch(video, req.principal, config.playback);
    const key = videoKeys.hlsPrefix(id) + rest;
    if (!isSafeObjectKey(key)) throw new AppError('object_key_invalid', 'the path is not a valid object key');
    // Presigned for the request's own method: HEAD is signed as HEAD.
    const url = new URL(await signer.presignedUrl(req.method, config.minio.bucket, key, 60));
    (req as unknown as { presigned: string }).presigned = url.pathname + url.search;
    await proxy(req, res, next);
  });
  return router;
}
