import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../auth-config.ts';

const ENV = { VIDGATE_JWT_SECRET: 'oidc-config-test-secret-0123456789abcdefgh', VIDGATE_SIGNING_KEYS: 'k1:oidc-config-test-signing-key-0123456789' };
const ISSUER = { VIDGATE_OIDC_ISSUER: 'https://sso.example.com/realms/video', VIDGATE_OIDC_AUDIENCE: 'vidgate-api' };

describe('the identity provider settings', () => {
  it('leave it off when no issuer is set: HS256 tokens only', () => {
    expect(loadAuthConfig(ENV).jwt.oidc).toBeUndefined();
  });

  it('default the clock skew and the claim mapping', () => {
    expect(loadAuthConfig({ ...ENV, ...ISSUER }).jwt.oidc).toEqual({
      issuer: 'https://sso.example.com/realms/video',
      audience: 'vidgate-api',
      clientId: undefined,
      clockSkewSeconds: 30,
      claims: { user: 'sub', name: 'name', groups: 'groups' },
      adminGroup: 'vidgate-admins',
      premiumGroup: 'vidgate-premium',
    });
  });

  it('take every setting, and keep the issuer exactly as written (a trailing slash is part of "iss")', () => {
    const oidc = loadAuthConfig({
      ...ENV, VIDGATE_OIDC_ISSUER: 'https://tenant.example.auth0.com/', VIDGATE_OIDC_AUDIENCE: 'https://api.video.example.com', VIDGATE_OIDC_CLIENT_ID: 'vidgate-web',
      VIDGATE_OIDC_CLOCK_SKEW: '0', VIDGATE_OIDC_USER_CLAIM: 'preferred_username', VIDGATE_OIDC_NAME_CLAIM: 'given_name', VIDGATE_OIDC_GROUPS_CLAIM: 'realm_access.roles',
      VIDGATE_OIDC_ADMIN_GROUP: 'video-admins', VIDGATE_OIDC_PREMIUM_GROUP: 'subscribers',
    }).jwt.oidc;
    expect(oidc).toMatchObject({ issuer: 'https://tenant.example.auth0.com/', clientId: 'vidgate-web', clockSkewSeconds: 0, claims: { user: 'preferred_username', name: 'given_name', groups: 'realm_access.roles' }, adminGroup: 'video-admins', premiumGroup: 'subscribers' });
  });

  it.each([
    [{ VIDGATE_OIDC_ISSUER: ISSUER.VIDGATE_OIDC_ISSUER }, /VIDGATE_OIDC_AUDIENCE is required/],
    [{ VIDGATE_OIDC_AUDIENCE: 'vidgate-api' }, /VIDGATE_OIDC_AUDIENCE is set but VIDGATE_OIDC_ISSUER is not/],
    [{ VIDGATE_OIDC_CLIENT_ID: 'vidgate-web' }, /VIDGATE_OIDC_CLIENT_ID is set but VIDGATE_OIDC_ISSUER is not/],
    [{ ...ISSUER, VIDGATE_OIDC_ISSUER: 'sso.example.com' }, /VIDGATE_OIDC_ISSUER/],
    [{ ...ISSUER, VIDGATE_OIDC_ISSUER: 'ftp://sso.example.com' }, /VIDGATE_OIDC_ISSUER: must be an http\(s\) URL/],
    [{ ...ISSUER, VIDGATE_OIDC_CLOCK_SKEW: '30s' }, /VIDGATE_OIDC_CLOCK_SKEW/],
    [{ ...ISSUER, VIDGATE_OIDC_CLOCK_SKEW: '3600' }, /VIDGATE_OIDC_CLOCK_SKEW/],
    [{ ...ISSUER, VIDGATE_OIDC_GROUPS_CLAIM: 'groups claim' }, /VIDGATE_OIDC_GROUPS_CLAIM/],
    [{ ...ISSUER, VIDGATE_OIDC_ADMIN_GROUP: '' }, /VIDGATE_OIDC_ADMIN_GROUP/],
  ])('refuse %j, naming the variable', (env, message) => {
    expect(() => loadAuthConfig({ ...ENV, ...env })).toThrow(message);
  });

  it('refuse a plain-http issuer in production', () => {
    const production = { ...ENV, VIDGATE_ENV: 'production', VIDGATE_PUBLIC_URL: 'https://video.example.com', VIDGATE_AUTH_S3_SECRET: 'prod-auth-s3-secret', VIDGATE_DB_PASSWORD: 'prod-db-password-0123456789' };
    expect(loadAuthConfig({ ...production, ...ISSUER }).jwt.oidc?.issuer).toBe(ISSUER.VIDGATE_OIDC_ISSUER);
    expect(() => loadAuthConfig({ ...production, ...ISSUER, VIDGATE_OIDC_ISSUER: 'http://keycloak:8080/realms/video' })).toThrow(/https URL in production/);
  });
});
