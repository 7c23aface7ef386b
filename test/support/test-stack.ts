import { loadConfig } from '@vidgate/common/config';
import vectors from '../../nginx/signing-vectors.json' with { type: 'json' };

/**
 * The environment of the stack the black-box suite runs against: its own ports
 * and data folder, so it can run beside `npm start`. The vector keys are listed
 * too, so nginx itself can be checked against nginx/signing-vectors.json.
 */
export const TEST_ENV: Readonly<Record<string, string>> = Object.freeze({
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
  VIDGATE_SIGNING_KEYS: `test:test-suite-signing-key-0123456789abcdef,k1:${vectors.keys.k1},k2:${vectors.keys.k2}`,
  VIDGATE_SIGNING_KEY_ID: 'test',
});

export const testConfig = loadConfig({ ...TEST_ENV });
export const ORIGIN = `http://${testConfig.bindHost}:${testConfig.ports.origin}`;
export const AUTH = `http://${testConfig.bindHost}:${testConfig.ports.auth}`;
