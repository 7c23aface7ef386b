import { describe, expect, it } from 'vitest';
import { misspeltSettings } from './misspelt-settings.ts';

describe('misspeltSettings', () => {
  it('names a variable a letter or two from a setting, and the setting', () => {
    expect(misspeltSettings({ VIDGATE_ORIGN_PORT: '9999', VIDGATE_SIGNMODE: 'md5', VIDGATE_ORIGIN_PORT: '8180', VIDGATE_JWT_SECRET_FLE: '/run/s' })).toEqual([
      { name: 'VIDGATE_JWT_SECRET_FLE', meant: 'VIDGATE_JWT_SECRET_FILE' },
      { name: 'VIDGATE_ORIGN_PORT', meant: 'VIDGATE_ORIGIN_PORT' },
      { name: 'VIDGATE_SIGNMODE', meant: 'VIDGATE_SIGN_MODE' },
    ]);
  });

  it('leaves alone the settings of every service, their _FILE forms, and names far from any setting', () => {
    expect(misspeltSettings({
      VIDGATE_PLAYBACK_AUDIT: 'background', VIDGATE_WEBHOOK_TOKEN_FILE: '/run/secrets/t', VIDGATE_AUDIT_RETENTION_DAYS: '30',
      VIDGATE_EDGE_CACHE_FRESH: '5', VIDGATE_TRANSCODER_WORKERS: '2', VIDGATE_OIDC_ISSUER: 'https://id.example',
      VIDGATE_COLLECTOR_POLL_MS: '500', VIDGATE_DEV_SECRETS_DIR: '/srv/s', VIDGATE_CACHE_DIR: '/srv/c', VIDGATE_HTTP_PORT: '80', VIDGATE_TEST_TARGET: 'containers', VIDGATE_AUTH_REPLICAS: '2', PATH: '/bin', ORIGN_PORT: '1',
    })).toEqual([]);
  });
});
