import express from 'express';
import type { Registry } from 'prom-client';
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
    if (error !== undefined) res.status(503).json({ error: 'not_ready', message: 'the access log cannot be followed; the collector log says why' });
    else res.json({ status: 'ok', pid: process.pid, lagBytes });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  return app;
}
