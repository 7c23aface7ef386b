import express from 'express';
import type { Registry } from 'prom-client';
import { AppError } from '@vidgate/common/errors';
import { errorHandler, notFound } from '@vidgate/common/http-errors';
import type { TailStatus } from './log-tailer.ts';

export interface AppDeps {
  registry: Registry;
  /** The tailer's state: /healthz answers 503 while its polls fail. */
  tailStatus: () => TailStatus;
}

/** Builds the collector's HTTP side without listening, so tests drive it with supertest. */
export function createApp({ registry, tailStatus }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/healthz', (_req, res) => {
    const { error, lagBytes } = tailStatus();
    if (error !== undefined) throw new AppError('not_ready', 'the access log cannot be followed; the collector log says why');
    res.json({ status: 'ok', pid: process.pid, lagBytes });
  });
  app.use(notFound);
  app.use(errorHandler());
  return app;
}
