import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createAuditLog } from '@vidgate/common/audit';
import { configOrExit } from '@vidgate/common/config/env';
import { listen } from '@vidgate/common/database/listen';
import { createLogger } from '@vidgate/common/logger';
import { createPool } from '@vidgate/common/database/pool';
import { minioClient, statIfExists } from '@vidgate/common/minio-store';
import { videoKeys } from '@vidgate/common/video';
import { createVideoStore } from '@vidgate/common/video-store';
import { serve } from '@vidgate/common/serve';
import { createUploadAcceptor, sweepMissedUploads } from './accept-upload.ts';
import { createApp } from './app.ts';
import { auditTranscoder } from './audit-transcoder.ts';
import { createJobStore } from './job-store.ts';
import { createUploadSealer } from './seal-upload.ts';
import { sandboxFor, sandboxProblem } from './media-limits.ts';
import { createTranscodeJob, workRoot } from './transcode-job.ts';
import { countAttempt, createTranscoderMetrics } from './transcoder-metrics.ts';
import { loadTranscoderConfig } from './transcoder-config.ts';
import { createWorker } from './worker.ts';

const config = configOrExit('vidgate transcoder', () => loadTranscoderConfig());
const logger = createLogger({ name: 'transcoder', level: config.logLevel });
const { transcoder: settings } = config;
const client = minioClient(config.minio, config.minio.transcoder);
const pool = createPool(config.database, logger, 'vidgate-transcoder');
const videos = createVideoStore(pool);
const audit = auditTranscoder({ audit: createAuditLog(pool, { logger }), videos });
const jobs = createJobStore(pool, { leaseSeconds: settings.leaseSeconds, maxAttempts: settings.maxAttempts, perUser: settings.perUser });
const sandbox = sandboxFor(settings.limits);
const transcode = createTranscodeJob({ config, client, videos, logger, sandbox });

// Which worker holds a job: host:port (a container's host name, or this machine's
// with one port per worker), and this run of it, so that a restart can tell its
// own earlier jobs (dead) from those of a live worker.
const name = `${hostname()}:${settings.port}`;
const metrics = createTranscoderMetrics({
  queue: () => jobs.stats(),
  slots: () => ({ total: settings.concurrency, busy: worker.running, busySeconds: worker.busySeconds() }),
});
metrics.registry.registerMetric(audit.failures);
const worker = createWorker({
  jobs, name, id: `${name}#${randomBytes(3).toString('hex')}`, concurrency: settings.concurrency, leaseSeconds: settings.leaseSeconds, pollSeconds: settings.pollSeconds,
  run: transcode.run, cleanUp: transcode.cleanUp, logger,
  listen: (wake) => listen(config.database, 'transcode_jobs', wake, { logger, applicationName: 'vidgate-transcoder-listen' }),
  onClaim: (lease) => metrics.wait.observe(lease.waitedSeconds),
  onAttempt: (lease, result, seconds) => {
    countAttempt(metrics, lease, result, seconds);
    void audit.outcome(lease, result);
  },
});
const sealUpload = audit.sealing(createUploadSealer({ config, metrics, logger }));

// Restart safety: drop what killed jobs left on disk (their jobs are claimed again, by any worker).
await mkdir(workRoot(config), { recursive: true });
for (const leftover of await readdir(workRoot(config))) await rm(join(workRoot(config), leftover), { recursive: true, force: true });
const unreachable = sandboxProblem(workRoot(config), sandbox);
if (unreachable) {
  logger.fatal(unreachable);
  process.exit(2); // a configuration error, as configOrExit exits
}

const acceptUpload = createUploadAcceptor({ videos, jobs, sealUpload });

serve(createApp({ config, worker, acceptUpload, metrics, logger }), {
  name: 'transcoder', port: settings.port, host: config.bindHost, logger,
  details: { worker: worker.id, concurrency: settings.concurrency, leaseSeconds: settings.leaseSeconds },
  // Running jobs are stopped and queued again, for another worker (or this one, restarted) to take at once.
  beforeClose: () => worker.stop(),
  // The outcomes of the jobs that ended meanwhile are in the trail before the process exits.
  afterClose: () => audit.flush(),
});

await worker.start();

// The rows of ended jobs go once their retention has passed: at start, then hourly, on every worker (a second DELETE finds nothing).
const pruneJobs = () => jobs.prune(settings.jobRetentionSeconds).then(
  (count) => count > 0 && logger.info({ count, retentionSeconds: settings.jobRetentionSeconds }, 'rows of ended transcode jobs pruned'),
  (err: unknown) => logger.warn({ err }, 'rows of ended transcode jobs not pruned'),
);
void pruneJobs();
setInterval(pruneJobs, 3_600_000).unref();

// Uploads whose MinIO event never came (MinIO restarted as they landed) are
// found within a sweep: every 20 s, those at least 10 s old (accept-upload.ts).
const sourceExists = async (videoId: string) => (await statIfExists(client, config.minio.bucket, videoKeys.source(videoId))) !== undefined;
const sweep = () => sweepMissedUploads({ videos, sourceExists, acceptUpload, logger, graceSeconds: 10, expirySeconds: config.uploadExpirySeconds })
  .catch((err: unknown) => logger.warn({ err }, 'the sweep for uploads without their event did not finish'));
setInterval(sweep, 20_000).unref();
