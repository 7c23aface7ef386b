import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { TranscoderConfig } from './transcoder-config.ts';
import { AppError } from '@vidgate/common/errors';
import { errorHandler, notFound } from '@vidgate/common/http-errors';
import type { Logger } from '@vidgate/common/logger';
import type { VideoStore } from '@vidgate/common/video-store';
import type { JobQueue } from './job-queue.ts';
import { sourcesInEvent } from './minio-event.ts';
import type { UploadSealer } from './seal-upload.ts';
import type { TranscoderMetrics } from './transcoder-metrics.ts';

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from((header ?? '').replace(/^Bearer /i, ''));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The transcoder's HTTP side: MinIO's webhook, health and metrics. */
export function createApp(deps: { config: TranscoderConfig; queue: JobQueue; videos: VideoStore; sealUpload: UploadSealer; metrics: TranscoderMetrics; logger: Logger }): express.Express {
  const { config, queue, videos, sealUpload, metrics, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok', pid: process.pid, queued: queue.depth }));
  app.get('/metrics', async (_req, res) => {
    metrics.queueDepth.set(queue.depth);
    metrics.running.set(queue.running);
    metrics.oldestWaiting.set(queue.oldestWaitingSeconds());
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
      await sealUpload(videoId);
      // Queued under its owner, so that users take turns; a video without a record is its own owner (the job skips it).
      const added = queue.add(videoId, (await videos.get(videoId))?.owner ?? videoId);
      metrics.events.inc({ result: added ? 'queued' : 'duplicate' });
      logger.info({ videoId, added }, added ? 'upload event: job queued' : 'upload event: job already queued or running');
    }
    res.json({ queued: sources.length });
  });
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
