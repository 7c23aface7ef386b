import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { TranscoderConfig } from './transcoder-config.ts';
import { AppError } from '@vidgate/common/errors';
import { errorHandler, notFound } from '@vidgate/common/http-errors';
import type { Logger } from '@vidgate/common/logger';
import type { UploadAcceptor } from './accept-upload.ts';
import { sourcesInEvent } from './minio-event.ts';
import type { TranscoderMetrics } from './transcoder-metrics.ts';

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from((header ?? '').replace(/^Bearer /i, ''));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The transcoder's HTTP side: MinIO's webhook (any worker's queues the job for all of them), health and metrics. */
export function createApp(deps: {
  config: TranscoderConfig; worker: { readonly id: string; readonly running: number }; acceptUpload: UploadAcceptor; metrics: TranscoderMetrics; logger: Logger;
}): express.Express {
  const { config, worker, acceptUpload, metrics, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok', pid: process.pid, worker: worker.id, running: worker.running }));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.post('/events/minio', async (req, res) => {
    if (!tokenMatches(req.get('authorization'), config.transcoder.webhookToken)) {
      metrics.events.inc({ result: 'unauthorized' });
      throw new AppError('token_invalid', 'the webhook token is wrong');
    }
    const sources = sourcesInEvent(req.body, config.minio.bucket);
    if (!sources) {
      metrics.events.inc({ result: 'malformed' });
      throw new AppError('invalid_body', 'not a bucket notification');
    }
    for (const { videoId } of sources) {
      // A database error answers 503: MinIO keeps the event and sends it again.
      const result = await acceptUpload(videoId);
      metrics.events.inc({ result });
      logger.info({ videoId, result }, { queued: 'upload event: job queued', duplicate: 'upload event: job already queued or running', unknown: 'upload event for a video without a record; ignored' }[result]);
    }
    res.json({ queued: sources.length });
  });
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
