import { describe, expect, it } from 'vitest';
import { variablesOf } from '@vidgate/common/config/env';
import { AUTH_SHAPE, loadAuthConfig } from './auth-config.ts';

/** What the auth container gets in production: its own secrets, nothing else. */
const PRODUCTION = {
  VIDGATE_ENV: 'production',
  VIDGATE_PUBLIC_URL: 'https://video.example.com',
  VIDGATE_SIGNING_KEYS: `k1:${'a'.repeat(32)}`,
  VIDGATE_JWT_SECRET: 'prod-jwt-secret-0123456789abcdefghijklmnop',
  VIDGATE_AUTH_S3_SECRET: 'prod-auth-s3-secret',
  VIDGATE_DB_PASSWORD: 'prod-db-password-0123456789',
};

describe('loadAuthConfig', () => {
  it('starts in production with the signing keys, the JWT secret, its own MinIO user and its database role only', () => {
    const config = loadAuthConfig(PRODUCTION);
    expect(config).toMatchObject({ env: 'production', port: 8081, publicUrl: 'https://video.example.com', minio: { auth: { accessKey: 'vidgate-auth', secretKey: 'prod-auth-s3-secret' } } });
    expect(Object.keys(config.minio)).toEqual(['endpoint', 'region', 'bucket', 'auth']);
    expect(config.database).toEqual({ host: '127.0.0.1', port: 5432, database: 'vidgate', user: 'vidgate', password: 'prod-db-password-0123456789', poolSize: 10 });
  });

  it('never reads another service\'s secret, MinIO\'s root password or the webhook token', () => {
    const read = variablesOf(AUTH_SHAPE);
    for (const name of ['VIDGATE_MINIO_ROOT_PASSWORD', 'VIDGATE_NGINX_S3_SECRET', 'VIDGATE_TRANSCODER_S3_SECRET', 'VIDGATE_WEBHOOK_TOKEN', 'VIDGATE_DB_ADMIN_PASSWORD']) {
      expect(read).not.toContain(name);
      expect(read).not.toContain(`${name}_FILE`);
    }
    expect(read).toEqual(expect.arrayContaining(['VIDGATE_JWT_SECRET_FILE', 'VIDGATE_SIGNING_KEYS_FILE', 'VIDGATE_AUTH_S3_SECRET_FILE']));
  });

  it.each(Object.keys(PRODUCTION).filter((n) => n !== 'VIDGATE_ENV'))('refuses to start in production without %s, naming it', (name) => {
    expect(() => loadAuthConfig({ ...PRODUCTION, [name]: undefined })).toThrow(name);
  });

  it('refuses the demo login in production', () => {
    expect(() => loadAuthConfig({ ...PRODUCTION, VIDGATE_DEMO_LOGIN: 'true' })).toThrow(/VIDGATE_DEMO_LOGIN/);
  });
});
