import { z } from 'zod';
import { parseEnv, port, whole, type Env } from '@vidgate/common/config/env';
import { PROCESS, processSection, STORAGE } from '@vidgate/common/config/sections';

const path = z.string().min(1, 'must be a file path');

/** Every variable the collector reads, and nothing else: no key, no password, no token. */
export const COLLECTOR_SHAPE = {
  ...PROCESS,
  // Upload URLs are path-style, /<bucket>/uploads/…: the bucket tells them apart.
  VIDGATE_BUCKET: STORAGE.VIDGATE_BUCKET,
  VIDGATE_COLLECTOR_PORT: port.default(8082),
  VIDGATE_COLLECTOR_LOG: path,
  VIDGATE_COLLECTOR_STATE: path,
  // Below 100 ms the polls cost more than they gain; above 60 s the lag gauge is stale.
  VIDGATE_COLLECTOR_POLL_MS: whole.pipe(z.number().int().min(100).max(60_000)).default(500),
};

/** The collector's configuration, parsed once at start-up. */
export function loadCollectorConfig(env: Env = process.env) {
  const e = parseEnv(COLLECTOR_SHAPE, env);
  const { logLevel, bindHost } = processSection(e);
  return Object.freeze({
    logLevel,
    bindHost,
    bucket: e.VIDGATE_BUCKET,
    port: e.VIDGATE_COLLECTOR_PORT,
    accessLog: e.VIDGATE_COLLECTOR_LOG,
    stateFile: e.VIDGATE_COLLECTOR_STATE,
    pollMs: e.VIDGATE_COLLECTOR_POLL_MS,
  });
}

export type CollectorConfig = ReturnType<typeof loadCollectorConfig>;
