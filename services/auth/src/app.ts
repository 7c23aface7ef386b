import express from 'express';
import type { AuthConfig } from './auth-config.ts';
import type { AuditLog } from '@vidgate/common/audit';
import type { Logger } from '@vidgate/common/logger';
import type { ObjectStore } from '@vidgate/common/object-store';
import { createUrlSigner } from '@vidgate/common/url-signer';
import type { VideoStore } from '@vidgate/common/video-store';
import { errorHandler, notFound } from '@vidgate/common/http-errors';
import { auditRefusedTokens } from './http/audit-request.ts';
import { createMetrics, measure, metricsRoute } from './http/metrics.ts';
import { openApiDocument } from './openapi/openapi-document.ts';
import { requestLog } from './http/request-log.ts';
import { trustNginx } from './http/trust-proxy.ts';
import { auditRoutes } from './routes/audit.ts';
import { captionRoutes } from './routes/captions.ts';
import { demoLoginRoutes } from './routes/demo-login.ts';
import { signInConfigRoutes } from './routes/sign-in-config.ts';
import { healthRoutes } from './routes/health.ts';
import { hlsRoutes } from './routes/hls.ts';
import { legacyProxyRoutes } from './routes/legacy-proxy.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { playbackRoutes } from './routes/playback.ts';
import { signRoutes } from './routes/sign.ts';
import { storyboardRoutes } from './routes/storyboard.ts';
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
  /** The audit trail (@vidgate/common/audit): playback, uploads, signing, refused tokens. */
  audit: AuditLog;
}

/** Builds the auth service without listening, so tests drive it with supertest. */
export function createApp(config: AuthConfig, deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', trustNginx);
  const signer = createUrlSigner(config.signing);
  const metrics = createMetrics();
  metrics.registry.registerMetric(deps.audit.failures);
  const cache = createCache(config.cache);
  const videos = cachedVideoStore(deps.videos, cache);
  const shared = { config, signer, videos, metrics };

  app.use(measure(metrics));
  app.use(requestLog(deps.logger));
  app.use(express.json({ limit: '64kb' }));
  app.use(healthRoutes(deps.store, deps.videos));
  app.use(metricsRoute(metrics));
  app.use(signRoutes(config, signer, deps.audit));
  app.use(playbackRoutes({ ...shared, audit: deps.audit }));
  app.use(hlsRoutes({ ...shared, records: deps.videos, objects: deps.store, cache }));
  app.use(storyboardRoutes({ ...shared, objects: deps.store, cache }));
  app.use(videoRoutes({ config, videos, objects: deps.store, storage: deps.uploads, signer, audit: deps.audit }));
  app.use(captionRoutes({ config, videos, objects: deps.store, audit: deps.audit }));
  app.use(uploadRoutes({ config, videos, storage: deps.uploads, metrics, audit: deps.audit }));
  app.use(legacyProxyRoutes({ config, videos }));
  app.use(signInConfigRoutes(config));
  if (config.playback.demoLogin) app.use(demoLoginRoutes(config));
  app.use(auditRoutes({ config, audit: deps.audit }));
  app.use(openApiRoutes(openApiDocument(config)));
  app.use(notFound);
  app.use(auditRefusedTokens(deps.audit));
  app.use(errorHandler());
  return app;
}
