import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { configOrExit } from '@vidgate/common/config/env';
import { createLogger } from '@vidgate/common/logger';
import { createPool } from '@vidgate/common/database/pool';
import { createMinioStore, minioClient } from '@vidgate/common/minio-store';
import { createVideoStore } from '@vidgate/common/video-store';
import { serve } from '@vidgate/common/serve';
import { createApp } from './app.ts';
import { createJobQueue } from './job-queue.ts';
import { findUnfinished } from './reconcile.ts';
import { createUploadSealer } from './seal-upload.ts';
import { sandboxFor, sandboxProblem } from './media-limits.ts';
import { createTranscodeJob, workRoot } from './transcode-job.ts';
import { createTranscoderMetrics } from './transcoder-metrics.ts';
import { loadTranscoderConfig } from './transcoder-config.ts';

const config = configOrExit('vidgate transcoder', () => loadTranscoderConfig());
const logger = createLogger({ name: 'transcoder', level: config.logLevel });
const client = minioClient(config.minio, config.minio.transcoder);
const objects = createMinioStore(client, config.minio.bucket);
const pool = createPool(config.database, logger, 'vidgate-transcoder');
const videos = createVideoStore(pool);
const metrics = createTranscoderMetrics();
const sealUpload = createUploadSealer({ config, metrics, logger });
const sandbox = sandboxFor(config.transcoder.limits);
const transcode = createTranscodeJob({ config, client, videos, metrics, logger, sandbox });
const queue = createJobQueue({
  concurrency: config.transcoder.concurrency,
  perOwner: config.transcoder.perUser,
  run: transcode,
  onError: (videoId, err) => logger.error({ err, videoId }, 'job crashed'),
  onBusy: (seconds) => metrics.busy.inc(seconds),
});

// Restart safety: drop what killed jobs left on disk, pick up what they left unfinished.
await mkdir(workRoot(config), { recursive: true });
for (const leftover of await readdir(workRoot(config))) await rm(join(workRoot(config), leftover), { recursive: true, force: true });
const unreachable = sandboxProblem(workRoot(config), sandbox);
if (unreachable) {
  logger.fatal(unreachable);
  process.exit(2); // a configuration error, as configOrExit exits
}

// Unfinished jobs are not waited for: reconcile resumes them on the next start.
serve(createApp({ config, queue, videos, sealUpload, metrics, logger }), {
  name: 'transcoder', port: config.transcoder.port, host: config.bindHost, logger,
  details: { concurrency: config.transcoder.concurrency },
});

findUnfinished(objects, videos)
  .then(async (unfinished) => {
    for (const { id, owner, status } of unfinished) {
      // An upload whose event came while this process was down: its URLs are sealed here, as the webhook would have.
      if (status === 'uploading') await sealUpload(id);
      queue.add(id, owner);
    }
    if (unfinished.length > 0) logger.info({ videoIds: unfinished.map((v) => v.id) }, 'resuming unfinished videos');
  })
  .catch((err) => logger.error({ err }, 'could not list unfinished videos'));
