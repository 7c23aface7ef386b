import { loadConfig } from '../../services/stack/src/stack-config.ts';
import vectors from '../../nginx/signing-vectors.json' with { type: 'json' };
import { containerStackEnv, ONE_HOST_DIR, SCALE_OUT_DIR } from './containers.ts';

/**
 * Which stack the black-box suite speaks to: the local processes `npm start`
 * runs (the default), or a compose stack an operator runs: one host (the vitest
 * project "containers") or the scale-out layout (project "scale-out").
 */
const TARGETS = { processes: undefined, containers: ONE_HOST_DIR, 'scale-out': SCALE_OUT_DIR } as const;
export type TestTarget = keyof typeof TARGETS;

export function testTarget(env: NodeJS.ProcessEnv = process.env): TestTarget {
  const target = env.VIDGATE_TEST_TARGET ?? 'processes';
  if (!Object.hasOwn(TARGETS, target)) throw new Error(`VIDGATE_TEST_TARGET must be one of ${Object.keys(TARGETS).join(', ')}, not "${target}"`);
  return target as TestTarget;
}

/**
 * The environment of the local stack the suite starts: its own ports and data
 * folder, so it can run beside `npm start`. The vector keys are listed too, so
 * nginx itself can be checked against nginx/signing-vectors.json.
 */
const PROCESS_ENV: Readonly<Record<string, string>> = Object.freeze({
  VIDGATE_ENV: 'development',
  VIDGATE_LOG_LEVEL: 'warn',
  VIDGATE_DATA_DIR: '.vidgate/test',
  VIDGATE_ORIGIN_PORT: '18080',
  VIDGATE_AUTH_PORT: '18081',
  VIDGATE_MINIO_PORT: '19000',
  VIDGATE_MINIO_CONSOLE_PORT: '19001',
  VIDGATE_TRANSCODER_PORT: '18083',
  VIDGATE_COLLECTOR_PORT: '18082',
  VIDGATE_DB_PORT: '15432',
  VIDGATE_CORS_ORIGINS: 'http://app.example.test',
  VIDGATE_PUBLIC_URL: 'http://127.0.0.1:18080',
  VIDGATE_SIGNING_KEYS: `test:test-suite-signing-key-0123456789abcdefghij,k1:${vectors.keys.k1},k2:${vectors.keys.k2}`,
  VIDGATE_SIGNING_KEY_ID: 'test',
  // Short, so the tests of the deletion bound need not wait the default 30 s.
  VIDGATE_EDGE_CACHE_FRESH: '5',
  // The suite speaks from 127.0.0.1 and is not limited; the limits test speaks
  // from 127.0.0.2, which meets the default limits as any client would.
  VIDGATE_LIMIT_EXEMPT: '127.0.0.1',
});

/** The operator's checkout of the compose stack under test; undefined for the local stack. */
export const COMPOSE_DIR: string | undefined = TARGETS[testTarget()];

/** The configuration environment of the stack under test (for compose: its .env and secrets, read once the stack is up). */
export const TEST_ENV: Readonly<Record<string, string>> = COMPOSE_DIR ? Object.freeze(containerStackEnv(COMPOSE_DIR)) : PROCESS_ENV;

export const testConfig = loadConfig({ ...TEST_ENV });
export const ORIGIN = `http://${testConfig.bindHost}:${testConfig.ports.origin}`;
export const AUTH = `http://${testConfig.bindHost}:${testConfig.ports.auth}`;
