import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_SHAPE } from '../../services/auth/src/auth-config.ts';
import { COLLECTOR_SHAPE } from '../../services/collector/src/collector-config.ts';
import { variablesOf } from '../../services/common/src/config/env.ts';
import { AUDIT, DATABASE, DATABASE_ADMIN } from '../../services/common/src/config/sections.ts';
import { NGINX_SHAPE } from '../../services/stack/src/nginx-config.ts';
import { stackPaths } from '../../services/stack/src/paths.ts';
import { TRANSCODER_SHAPE } from '../../services/transcoder/src/transcoder-config.ts';

/**
 * Where the compose tests' stacks live and how the black-box suite reaches
 * them: the operator's checkout folder (its .env and secrets), and the ports
 * published on the loopback. The origin is published by docker-compose.yml
 * itself (VIDGATE_HTTP_PORT); the rest only by the test-only override
 * test/deploy/compose-test.yml, so the suite can seed MinIO and read metrics.
 */
export const CONTAINER_PORTS = Object.freeze({ origin: 38080, https: 38443, minio: 39000, auth: 38081, collector: 38082, transcoder: 38083, prometheus: 39090, postgres: 35432 });

export const ONE_HOST_DIR = join(tmpdir(), 'vidgate-compose-one-host');
export const SCALE_OUT_DIR = join(tmpdir(), 'vidgate-compose-scale-out');

/** Docker secret (file) behind each secret variable of the configuration. */
export const SECRET_FILES = Object.freeze({
  VIDGATE_SIGNING_KEYS: 'signing_keys',
  VIDGATE_JWT_SECRET: 'jwt_secret',
  VIDGATE_MINIO_ROOT_PASSWORD: 'minio_root_password',
  VIDGATE_NGINX_S3_SECRET: 'nginx_s3_secret',
  VIDGATE_AUTH_S3_SECRET: 'auth_s3_secret',
  VIDGATE_TRANSCODER_S3_SECRET: 'transcoder_s3_secret',
  VIDGATE_WEBHOOK_TOKEN: 'webhook_token',
  VIDGATE_DB_PASSWORD: 'db_password',
  VIDGATE_DB_ADMIN_PASSWORD: 'db_admin_password',
});

/**
 * The suite's side of a stack in `dir`: a data folder on the host whose
 * nginx/logs the test override mounts as nginx's log folder, so the tests read
 * the access log where they read the local stack's.
 */
export const hostDataDir = (dir: string) => join(dir, 'host');
export const PROJECT_NAME = 'vidgate-test';

/** The compose files of each layout under test: the product's, then the test-only overrides. */
export const LAYOUTS = Object.freeze({
  'one-host': ['docker-compose.yml', 'test/deploy/standins.yml', 'test/deploy/compose-test.yml'],
  'scale-out': ['docker-compose.yml', 'deploy/compose/scale-out.yml', 'test/deploy/standins.yml', 'test/deploy/standins-scale-out.yml', 'test/deploy/compose-test-scale-out.yml'],
});

/** The .env lines the operator sets after `cp .env.example .env` (OPERATIONS.md, Install), plus the test overrides'. */
export function operatorSettings(dir: string, files: readonly string[]): Record<string, string> {
  const p = CONTAINER_PORTS;
  return {
    VIDGATE_SECRETS_DIR: './secrets',
    VIDGATE_PUBLIC_URL: `http://127.0.0.1:${p.origin}`,
    VIDGATE_HTTP_PORT: `127.0.0.1:${p.origin}`,
    VIDGATE_HTTPS_PORT: `127.0.0.1:${p.https}`,
    VIDGATE_CORS_ORIGINS: 'http://app.example.test',
    // Short, so the tests of the deletion bound need not wait the default 30 s.
    VIDGATE_EDGE_CACHE_FRESH: '5',
    // The suite reaches nginx through Docker's port publishing on the loopback: every
    // request comes from a bridge's address, which would share one limit.
    VIDGATE_LIMIT_EXEMPT: '172.16.0.0/12,192.168.0.0/16,10.0.0.0/8',
    // No Grafana: it has no Debian package to build a stand-in from.
    COMPOSE_PROFILES: '',
    COMPOSE_PROJECT_NAME: PROJECT_NAME,
    COMPOSE_FILE: files.join(':'),
    VIDGATE_TEST_MINIO_PORT: String(p.minio),
    VIDGATE_TEST_AUTH_PORT: String(p.auth),
    VIDGATE_TEST_COLLECTOR_PORT: String(p.collector),
    VIDGATE_TEST_TRANSCODER_PORT: String(p.transcoder),
    VIDGATE_TEST_PROMETHEUS_PORT: String(p.prometheus),
    VIDGATE_TEST_POSTGRES_PORT: String(p.postgres),
    VIDGATE_TEST_LOG_DIR: stackPaths(hostDataDir(dir)).nginxLogs,
  };
}

/**
 * The configuration environment of a running compose stack as seen from the
 * host: its .env's VIDGATE_* settings, its secrets as *_FILE, and the loopback
 * ports it publishes, so the suite mints tokens and URLs with its real keys.
 */
export function containerStackEnv(dir: string): Record<string, string> {
  const settings = Object.fromEntries(readFileSync(join(dir, '.env'), 'utf8').split('\n').flatMap((line) => {
    const m = /^(VIDGATE_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
    return m && !m[1]!.startsWith('VIDGATE_TEST_') ? [[m[1]!, m[2]!]] : [];
  }));
  const p = CONTAINER_PORTS;
  return {
    ...settings,
    ...Object.fromEntries(Object.entries(SECRET_FILES).map(([name, file]) => [`${name}_FILE`, join(dir, 'secrets', file)])),
    VIDGATE_DATA_DIR: hostDataDir(dir),
    VIDGATE_BIND_HOST: '127.0.0.1',
    VIDGATE_ORIGIN_PORT: String(p.origin),
    VIDGATE_MINIO_PORT: String(p.minio),
    VIDGATE_AUTH_PORT: String(p.auth),
    VIDGATE_COLLECTOR_PORT: String(p.collector),
    VIDGATE_TRANSCODER_PORT: String(p.transcoder),
    VIDGATE_DB_PORT: String(p.postgres),
    VIDGATE_LOG_LEVEL: 'warn',
  };
}

/**
 * The variables each compose service's process reads (its loader's shape), and
 * those deploy/compose/nginx-config.sh reads itself: a container is given
 * nothing else.
 */
export const SERVICE_READS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  auth: variablesOf(AUTH_SHAPE),
  transcoder: variablesOf(TRANSCODER_SHAPE),
  collector: variablesOf(COLLECTOR_SHAPE),
  'nginx-config': [...variablesOf(NGINX_SHAPE), 'VIDGATE_TLS', 'VIDGATE_NGINX_WORKERS'],
  // db-init's image also runs `vidgate audit prune` (deploy/OPERATIONS.md): the retention is its setting.
  'db-init': ['VIDGATE_ENV', ...variablesOf({ ...DATABASE, ...DATABASE_ADMIN, ...AUDIT })],
});
