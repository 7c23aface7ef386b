import { ConfigError, loadConfig } from '@vidgate/common/config';
import { z } from 'zod';

type Env = Record<string, string | undefined>;

const whole = z.string().regex(/^[0-9]+$/, 'must be a whole number written in digits').transform(Number);
const path = z.string().min(1, 'must be a file path');

const schema = z.object({
  VIDGATE_COLLECTOR_LOG: path,
  VIDGATE_COLLECTOR_STATE: path,
  // Below 100 ms the polls cost more than they gain; above 60 s the lag gauge is stale.
  VIDGATE_COLLECTOR_POLL_MS: whole.pipe(z.number().int().min(100).max(60_000)).default(500),
});

/**
 * The collector's configuration, parsed once at start-up: the shared values
 * (bucket, bind host, log level) from @vidgate/common's loadConfig, so they are
 * defined in one place, plus the collector's own variables.
 */
export function loadCollectorConfig(env: Env = process.env) {
  const shared = loadConfig(env);
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    logLevel: shared.logLevel,
    bindHost: shared.bindHost,
    bucket: shared.minio.bucket,
    port: shared.ports.collector,
    accessLog: e.VIDGATE_COLLECTOR_LOG,
    stateFile: e.VIDGATE_COLLECTOR_STATE,
    pollMs: e.VIDGATE_COLLECTOR_POLL_MS,
  });
}

export type CollectorConfig = ReturnType<typeof loadCollectorConfig>;
