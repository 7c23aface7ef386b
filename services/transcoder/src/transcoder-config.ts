import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError, parseEnv, port, seconds, whole, type Env } from '@vidgate/common/config/env';
import type { MediaLimits } from './media-limits.ts';
import { CREDENTIALS, credentialsSection, DATABASE, databaseSection, PROCESS, processSection, STORAGE, storageSection, UPLOAD_SESSIONS_PARENT, UPLOADS, WEBHOOK } from '@vidgate/common/config/sections';

/** The transcoder's own settings: its port, how many jobs, how long, where, its leases on the shared queue, and the webhook token. */
export const TRANSCODING = {
  ...WEBHOOK,
  VIDGATE_TRANSCODER_PORT: port.default(8083),
  VIDGATE_TRANSCODER_CONCURRENCY: whole.pipe(z.number().int().min(1).max(16)).default(1),
  VIDGATE_TRANSCODER_PER_USER: whole.pipe(z.number().int().min(1).max(16)).optional(),
  VIDGATE_TRANSCODER_WORK_DIR: z.string().optional(),
  VIDGATE_TRANSCODER_LEASE: whole.pipe(z.number().int().min(5).max(600)).default(30),
  VIDGATE_TRANSCODER_MAX_ATTEMPTS: whole.pipe(z.number().int().min(1).max(10)).default(3),
  VIDGATE_TRANSCODER_POLL: whole.pipe(z.number().int().min(1).max(300)).default(15),
  VIDGATE_TRANSCODER_JOB_RETENTION: seconds.default(7 * 86_400),
  VIDGATE_TRANSCODE_TIMEOUT: seconds.default(3_600),
  VIDGATE_FAILED_UPLOADS: z.enum(['keep', 'delete']).default('keep'),
  VIDGATE_TRANSCODE_MAX_PIXELS: whole.pipe(z.number().int().positive()).default(3840 * 2160),
  VIDGATE_TRANSCODE_MAX_FPS: whole.pipe(z.number().int().positive()).default(240),
  VIDGATE_TRANSCODE_MAX_DURATION: seconds.default(4 * 3600),
  VIDGATE_TRANSCODE_MAX_STREAMS: whole.pipe(z.number().int().positive()).default(8),
  VIDGATE_TRANSCODE_MAX_MEMORY_MB: whole.pipe(z.number().int().min(256)).default(4096),
};
export const transcodingSection = (e: z.infer<z.ZodObject<typeof TRANSCODING>>) => Object.freeze({
  port: e.VIDGATE_TRANSCODER_PORT,
  concurrency: e.VIDGATE_TRANSCODER_CONCURRENCY,
  /** One user's jobs running at once (all of them by default; users always take turns). */
  perUser: e.VIDGATE_TRANSCODER_PER_USER ?? e.VIDGATE_TRANSCODER_CONCURRENCY,
  workDir: e.VIDGATE_TRANSCODER_WORK_DIR,
  /** Seconds a claimed job stays this worker's without a heartbeat; a dead worker's job is claimed again after it. */
  leaseSeconds: e.VIDGATE_TRANSCODER_LEASE,
  /** Claims of one job before it ends failed. */
  maxAttempts: e.VIDGATE_TRANSCODER_MAX_ATTEMPTS,
  /** Seconds between looks at the queue when no notification came (LISTEN does the waking). */
  pollSeconds: e.VIDGATE_TRANSCODER_POLL,
  /** Seconds a job's row stays after it ended (for an operator reading the queue); the video's record keeps the outcome. */
  jobRetentionSeconds: e.VIDGATE_TRANSCODER_JOB_RETENTION,
  timeoutSeconds: e.VIDGATE_TRANSCODE_TIMEOUT,
  failedUploads: e.VIDGATE_FAILED_UPLOADS,
  webhookToken: e.VIDGATE_WEBHOOK_TOKEN,
  limits: Object.freeze<MediaLimits>({
    maxPixels: e.VIDGATE_TRANSCODE_MAX_PIXELS,
    maxFrameRate: e.VIDGATE_TRANSCODE_MAX_FPS,
    maxDurationSeconds: e.VIDGATE_TRANSCODE_MAX_DURATION,
    maxStreams: e.VIDGATE_TRANSCODE_MAX_STREAMS,
    memoryBytes: e.VIDGATE_TRANSCODE_MAX_MEMORY_MB * 1024 * 1024,
    // Every core for the whole timeout: only a process the wall clock failed to stop meets it.
    cpuSeconds: e.VIDGATE_TRANSCODE_TIMEOUT * availableParallelism(),
  }),
});

/** Every variable the transcoder reads, and nothing else. */
export const TRANSCODER_SHAPE = {
  ...PROCESS, ...STORAGE, ...CREDENTIALS.transcoder, ...UPLOAD_SESSIONS_PARENT, ...DATABASE, ...TRANSCODING,
  // The missed-upload sweep looks at uploads no older than this (accept-upload.ts).
  VIDGATE_UPLOAD_EXPIRY: UPLOADS.VIDGATE_UPLOAD_EXPIRY,
};

/** The transcoder's configuration, parsed once at start-up: its own MinIO user and the webhook token. */
export function loadTranscoderConfig(env: Env = process.env) {
  const e = parseEnv(TRANSCODER_SHAPE, env);
  // Each running job may hold a connection while it publishes; heartbeats, claims and the webhook need more.
  const needed = e.VIDGATE_TRANSCODER_CONCURRENCY + 2;
  if (e.VIDGATE_DB_POOL < needed) throw new ConfigError(`VIDGATE_DB_POOL=${e.VIDGATE_DB_POOL} is too small for VIDGATE_TRANSCODER_CONCURRENCY=${e.VIDGATE_TRANSCODER_CONCURRENCY}: give the transcoder at least ${needed} connections`);
  return Object.freeze({
    ...processSection(e),
    minio: Object.freeze({ ...storageSection(e), transcoder: credentialsSection.transcoder(e), uploadSessionsParent: e.VIDGATE_AUTH_S3_ACCESS_KEY }),
    database: databaseSection(e),
    transcoder: transcodingSection(e),
    /** Seconds after creation when an unfinished upload expires (VIDGATE_UPLOAD_EXPIRY, as the auth service reads it). */
    uploadExpirySeconds: e.VIDGATE_UPLOAD_EXPIRY,
  });
}

export type TranscoderConfig = ReturnType<typeof loadTranscoderConfig>;
