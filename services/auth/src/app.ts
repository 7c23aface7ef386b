import express from 'express';
import type { Config } from '@vidgate/common/config';
import type { Logger } from '@vidgate/common/logger';
import type { ObjectStore } from '@vidgate/common/object-store';
import { createUrlSigner } from '@vidgate/common/url-signer';
import { errorHandler, notFound } from './http/error-handler.ts';
import { requestLog } from './http/request-log.ts';
import { healthRoutes } from './routes/health.ts';
import { signRoutes } from './routes/sign.ts';

export interface AppDeps {
  store: ObjectStore;
  logger: Logger;
}

/** Builds the auth service without listening, so tests drive it with supertest. */
export function createApp(config: Config, deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const signer = createUrlSigner(config.signing);
  app.use(requestLog(deps.logger));
  app.use(express.json({ limit: '64kb' }));
  app.use(healthRoutes(deps.store));
  app.use(signRoutes(config, signer));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
