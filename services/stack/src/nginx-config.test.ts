import { describe, expect, it } from 'vitest';
import { variablesOf } from '@vidgate/common/config/env';
import { loadNginxConfig, NGINX_SHAPE } from './nginx-config.ts';

const PRODUCTION = {
  VIDGATE_ENV: 'production',
  VIDGATE_SIGNING_KEYS: `k1:${'a'.repeat(32)}`,
  VIDGATE_NGINX_S3_SECRET: 'prod-nginx-s3-secret',
};

describe('loadNginxConfig', () => {
  it('renders from the signing keys and nginx\'s read-only MinIO user only', () => {
    const config = loadNginxConfig({ ...PRODUCTION, VIDGATE_MINIO_ENDPOINT: 'http://minio:9000', VIDGATE_AUTH_UPSTREAM: 'auth:8081', VIDGATE_NGINX_RESOLVER: '127.0.0.11' });
    expect(config).toMatchObject({ authUpstream: 'auth:8081', resolver: '127.0.0.11', minio: { endpoint: 'http://minio:9000', nginx: { secretKey: 'prod-nginx-s3-secret' } }, signing: { activeKid: 'k1', mode: 'hmac' } });
  });

  it('never reads the JWT secret, MinIO\'s root password, the webhook token or another service\'s secret', () => {
    const read = variablesOf(NGINX_SHAPE);
    for (const name of ['VIDGATE_JWT_SECRET', 'VIDGATE_MINIO_ROOT_PASSWORD', 'VIDGATE_WEBHOOK_TOKEN', 'VIDGATE_AUTH_S3_SECRET', 'VIDGATE_TRANSCODER_S3_SECRET']) {
      expect(read).not.toContain(name);
      expect(read).not.toContain(`${name}_FILE`);
    }
  });

  it('refuses a resolver that is not an address', () => {
    expect(() => loadNginxConfig({ ...PRODUCTION, VIDGATE_NGINX_RESOLVER: 'dns.local' })).toThrow(/VIDGATE_NGINX_RESOLVER/);
  });
});
