import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseEnv, port, seconds, whole, type Env } from '@vidgate/common/config/env';
import type { MediaLimits } from './media-limits.ts';
import { CREDENTIALS, credentialsSection, DATABASE, databaseSection, PROCESS, processSection, STORAGE, storageSection, UPLOAD_SESSIONS_PARENT, WEBHOOK } from '@vidgate/common/config/sections';

/** The transcoder's own settings: its port, how many jobs, how long, where, and the webhook token. */
export const TRANSCODING = {
  ...WEBHOOK,
  VIDGATE_TRANSCODER_PORT: port.default(8083),
  VIDGATE_TRANSCODER_CONCURRENCY: whole.pipe(z.number().int().min(1).max(16)).default(1),
  VIDGATE_TRANSCODER_PER_USER: whole.pipe(z.number().int().min(1).max(16)).optional(),
  VIDGATE_TRANSCODER_WORK_DIR: z.string().optional(),
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
export const TRANSCODER_SHAPE = { ...PROCESS, ...STORAGE, ...CREDENTIALS.transcoder, ...UPLOAD_SESSIONS_PARENT, ...DATABASE, ...TRANSCODING };

/** The transcoder's configuration, parsed once at start-up: its own MinIO user and the webhook token. */
export function loadTranscoderConfig(env: Env = process.env) {
  const e = parseEnv(TRANSCODER_SHAPE, env);
  return Object.freeze({
    ...processSection(e),
    minio: Object.freeze({ ...storageSection(e), transcoder: credentialsSection.transcoder(e), uploadSessionsParent: e.VIDGATE_AUTH_S3_ACCESS_KEY }),
    database: databaseSection(e),
    transcoder: transcodingSection(e),
  });
}

export type TranscoderConfig = ReturnType<typeof loadTranscoderConfig>;
