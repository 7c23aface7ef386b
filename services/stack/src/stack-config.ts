import { z } from 'zod';
import { CACHE, cacheSection, PLAYBACK, playbackSection } from '@vidgate/auth/auth-config';
import { parseEnv, port, url, whole, type Env } from '@vidgate/common/config/env';
import { CREDENTIALS, credentialsSection, DATABASE, DATABASE_ADMIN, databaseAdminSection, databaseSection, JWT, jwtSection, PROCESS, processSection, PUBLIC_URL, publicUrlOf, SIGNING, signingSection, STORAGE, storageSection, UPLOADS, uploadsSection } from '@vidgate/common/config/sections';
import { TRANSCODING, transcodingSection } from '@vidgate/transcoder/transcoder-config';
import { EDGE_CACHE, EDGE_LIMITS, edgeCacheSection, edgeLimitsSection, NGINX_EDGE, nginxEdgeSection } from './nginx-config.ts';

/**
 * The whole configuration, for what runs every part: the local stack of
 * `npm start`, its tests and benchmarks, and the operator CLI. It is the union
 * of the services' own parts (each service still parses only its own), plus
 * where the local stack keeps its data and runs MinIO and PostgreSQL.
 */
export const STACK_SHAPE = {
  ...PROCESS,
  ...PUBLIC_URL,
  ...STORAGE,
  ...CREDENTIALS.root,
  ...CREDENTIALS.nginx,
  ...CREDENTIALS.auth,
  ...CREDENTIALS.transcoder,
  ...DATABASE,
  ...DATABASE_ADMIN,
  ...SIGNING,
  ...JWT,
  ...UPLOADS,
  ...PLAYBACK,
  ...CACHE,
  ...TRANSCODING,
  ...NGINX_EDGE,
  ...EDGE_CACHE,
  ...EDGE_LIMITS,
  VIDGATE_DATA_DIR: z.string().default('.vidgate'),
  VIDGATE_COLLECTOR_PORT: port.default(8082),
  VIDGATE_MINIO_CONSOLE_PORT: port.default(9001),
  // Where MinIO sends upload events; the transcoder's own address by default.
  VIDGATE_TRANSCODER_URL: url.optional(),
  // Transcoder processes the local stack runs, on VIDGATE_TRANSCODER_PORT and the ports after it; they share the queue.
  VIDGATE_TRANSCODER_WORKERS: whole.pipe(z.number().int().min(1).max(8)).default(1),
};

export function loadConfig(env: Env = process.env) {
  const e = parseEnv(STACK_SHAPE, env);
  const edge = nginxEdgeSection(e);
  return Object.freeze({
    ...processSection(e),
    dataDir: e.VIDGATE_DATA_DIR,
    ports: Object.freeze({ origin: e.VIDGATE_ORIGIN_PORT, auth: e.VIDGATE_AUTH_PORT, collector: e.VIDGATE_COLLECTOR_PORT, minio: e.VIDGATE_MINIO_PORT, minioConsole: e.VIDGATE_MINIO_CONSOLE_PORT }),
    publicUrl: publicUrlOf(e),
    authUpstream: edge.authUpstream,
    resolver: edge.resolver,
    edgeCache: edgeCacheSection(e),
    limits: edgeLimitsSection(e),
    minio: Object.freeze({
      ...storageSection(e),
      root: credentialsSection.root(e),
      nginx: credentialsSection.nginx(e),
      auth: credentialsSection.auth(e),
      transcoder: credentialsSection.transcoder(e),
    }),
    database: databaseSection(e),
    databaseAdmin: databaseAdminSection(e),
    uploads: uploadsSection(e),
    transcoder: Object.freeze({ ...transcodingSection(e), url: e.VIDGATE_TRANSCODER_URL ?? `http://${e.VIDGATE_BIND_HOST}:${e.VIDGATE_TRANSCODER_PORT}`, workers: e.VIDGATE_TRANSCODER_WORKERS }),
    signing: signingSection(e),
    playback: playbackSection(e),
    cache: cacheSection(e),
    jwt: jwtSection(e),
  });
}

export type Config = ReturnType<typeof loadConfig>;
