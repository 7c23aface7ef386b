import { Agent } from 'node:http';
import { Router } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import { minioClient } from '@vidgate/common/minio-store';
import { isSafeObjectKey } from '@vidgate/common/object-key';
import { videoKeys } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { authenticate } from '../http/authenticate.ts';
import { assertEntitled } from '../videos/entitlement.ts';

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
          const [code, error] = status === 404 ? [404, 'not_found'] : status === 416 ? [416, 'range_not_satisfiable'] : [502, 'storage_unavailable'];
          res.writeHead(code, { 'Content-Type': 'application/json' }).end(`{"error":"${error}"}\n`);
          return;
        }
        const headers = Object.fromEntries(Object.entries(proxyRes.headers).filter(([name]) => !/^x-(amz|minio)-|^server$/i.test(name)));
        res.writeHead(status, headers as Record<string, string | string[]>);
        proxyRes.pipe(res);
      },
      error: (_err, _req, res) => {
        if ('writeHead' in res && !res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' }).end('{"error":"storage_unavailable"}\n');
        else res.destroy();
      },
    },
  });

  router.get('/v1/proxy/videos/:id/*rest', authenticate(config.jwt), async (req, res, next) => {
    const id = req.params.id as string;
    const rest = (req.params as { rest: string[] }).rest.join('/');
    const video = await videos.get(id);
    if (!video || video.status !== 'ready') throw new AppError('video_not_found', `no playable video ${id}`);
    assertEntitled(video, req.principal, config.playback);
    const key = videoKeys.hlsPrefix(id) + rest;
    if (!isSafeObjectKey(key)) throw new AppError('object_key_invalid', 'the path is not a valid object key');
    // Presigned for the request's own method: HEAD is signed as HEAD.
    const url = new URL(await signer.presignedUrl(req.method, config.minio.bucket, key, 60));
    (req as unknown as { presigned: string }).presigned = url.pathname + url.search;
    await proxy(req, res, next);
  });
  return router;
}
