import { describe, expect, it } from 'vitest';
import { variablesOf } from '@vidgate/common/config/env';
import { loadTranscoderConfig, TRANSCODER_SHAPE } from './transcoder-config.ts';

const PRODUCTION = {
  VIDGATE_ENV: 'production',
  VIDGATE_TRANSCODER_S3_SECRET: 'prod-transcoder-s3-secret',
  VIDGATE_WEBHOOK_TOKEN: 'prod-webhook-token-0123456789abcdefghijklmn',
  VIDGATE_DB_PASSWORD: 'prod-db-password-0123456789',
};

describe('loadTranscoderConfig', () => {
  it('starts in production with its own MinIO user and the webhook token only', () => {
    expect(loadTranscoderConfig(PRODUCTION)).toMatchObject({
      env: 'production',
      minio: { transcoder: { accessKey: 'vidgate-transcoder', secretKey: 'prod-transcoder-s3-secret' } },
      transcoder: { port: 8083, concurrency: 1, timeoutSeconds: 3600, failedUploads: 'keep', webhookToken: PRODUCTION.VIDGATE_WEBHOOK_TOKEN },
    });
  });

  it('never reads a signing key, the JWT secret, MinIO\'s root password or another service\'s secret', () => {
    const read = variablesOf(TRANSCODER_SHAPE);
    for (const name of ['VIDGATE_SIGNING_KEYS', 'VIDGATE_JWT_SECRET', 'VIDGATE_MINIO_ROOT_PASSWORD', 'VIDGATE_NGINX_S3_SECRET', 'VIDGATE_AUTH_S3_SECRET', 'VIDGATE_DB_ADMIN_PASSWORD']) {
      expect(read).not.toContain(name);
      expect(read).not.toContain(`${name}_FILE`);
    }
  });

  it('takes 30 s leases and 3 attempts by default, and refuses a pool too small for its concurrency', () => {
    expect(loadTranscoderConfig(PRODUCTION).transcoder).toMatchObject({ leaseSeconds: 30, maxAttempts: 3, pollSeconds: 15 });
    expect(() => loadTranscoderConfig({ ...PRODUCTION, VIDGATE_TRANSCODER_CONCURRENCY: '9' })).toThrow(/VIDGATE_DB_POOL=10 is too small .* at least 11/);
    expect(loadTranscoderConfig({ ...PRODUCTION, VIDGATE_TRANSCODER_CONCURRENCY: '9', VIDGATE_DB_POOL: '11' }).transcoder.concurrency).toBe(9);
  });

  it.each(['VIDGATE_TRANSCODER_S3_SECRET', 'VIDGATE_WEBHOOK_TOKEN'])('refuses to start in production without %s', (name) => {
    expect(() => loadTranscoderConfig({ ...PRODUCTION, [name]: undefined })).toThrow(name);
  });
});
