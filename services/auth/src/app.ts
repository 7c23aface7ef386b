import express from 'express';
import type { AuthConfig } from './auth-config.ts';
import type { Logger } from '@vidgate/common/logger';
import type { ObjectStore } from '@vidgate/common/object-store';
import { createUrlSigner } from '@vidgate/common/url-signer';
import type { VideoStore } from '@vidgate/common/video-store';
import { errorHandler, notFound } from '@vidgate/common/http-errors';
import { createMetrics, measure, metricsRoute } from './http/metrics.ts';
import { openApiDocument } from './openapi/openapi-document.ts';
import { requestLog } from './http/request-log.ts';
import { demoLoginRoutes } from './routes/demo-login.ts';
import { healthRoutes } from './routes/health.ts';
import { hlsRoutes } from './routes/hls.ts';
import { legacyProxyRoutes } from './routes/legacy-proxy.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { playbackRoutes } from './routes/playback.ts';
import { signRoutes } from './routes/sign.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { videoRoutes } from './routes/videos.ts';
import type { UploadStorage } from './uploads/upload-storage.ts';
import { createCache } from './videos/cache.ts';
import { cachedVideoStore } from './videos/cached-video-store.ts';

export interface AppDeps {
  store: ObjectStore;
  videos: VideoStore;
  uploads: UploadStorage;
  logger: Logger;
}

/** Builds the auth service without listening, so tests drive it with supertest. */
export function createApp(config: AuthConfig, deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', 'loopback');
  const signer = createUrlSigner(config.signing);
  const metrics = createMetrics();
  const cache = createCache(config.cache);
  const videos = cachedVideoStore(deps.videos, cache);
  const shared = { config, signer, videos, metrics };

  app.use(measure(metrics));
  app.use(requestLog(deps.logger));
  app.use(express.json({ limit: '64kb' }));
  app.use(healthRoutes(deps.store, deps.videos));
  app.use(metricsRoute(metrics));
  app.use(signRoutes(config, signer));
  app.use(playbackRoutes(shared));
  app.use(hlsRoutes({ ...shared, objects: deps.store, cache }));
  app.use(videoRoutes({ config, videos }));
  app.use(uploadRoutes({ config, videos, storage: deps.uploads, metrics }));
  app.use(legacyProxyRoutes({ config, videos }));
  if (config.playback.demoLogin) app.use(demoLoginRoutes(config));
  app.use(openApiRoutes(openApiDocument(config)));
  app.use(notFound);
  app.use(errorHandler());
  return app;
}
