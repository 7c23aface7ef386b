import { loadConfig } from '../../services/stack/src/stack-config.ts';
import vectors from '../../nginx/signing-vectors.json' with { type: 'json' };
import { containerStackEnv, ONE_HOST_DIR } from './containers.ts';

/**
 * Which stack the black-box suite speaks to: the local processes `npm start`
 * runs (the default), or the compose stack an operator runs
 * (VIDGATE_TEST_TARGET=containers: the vitest project "containers").
 */
export type TestTarget = 'processes' | 'containers';

export function testTarget(env: NodeJS.ProcessEnv = process.env): TestTarget {
  const target = env.VIDGATE_TEST_TARGET ?? 'processes';
  if (target !== 'processes' && target !== 'containers') throw new Error(`VIDGATE_TEST_TARGET must be processes (default) or containers, not "${target}"`);
  return target;
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
  VIDGATE_CORS_ORIGINS: 'http://app.example.test',
  VIDGATE_PUBLIC_URL: 'http://127.0.0.1:18080',
  VIDGATE_SIGNING_KEYS: `test:test-suite-signing-key-0123456789abcdefghij,k1:${vectors.keys.k1},k2:${vectors.keys.k2}`,
  VIDGATE_SIGNING_KEY_ID: 'test',
});

/** The configuration environment of the stack under test (for containers: its .env and secrets, read once the stack is up). */
export const TEST_ENV: Readonly<Record<string, string>> = testTarget() === 'containers' ? Object.freeze(containerStackEnv(ONE_HOST_DIR)) : PROCESS_ENV;

export const testConfig = loadConfig({ ...TEST_ENV });
export const ORIGIN = `http://${testConfig.bindHost}:${testConfig.ports.origin}`;
export const AUTH = `http://${testConfig.bindHost}:${testConfig.ports.auth}`;
