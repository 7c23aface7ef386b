import { z } from 'zod';
import { ConfigError, whole } from '@vidgate/common/config/env';
import { PROCESS } from '@vidgate/common/config/sections';

/** A claim name, or a dotted path into nested claims (realm_access.roles). */
const claimName = z.string().regex(/^[A-Za-z0-9_:/.-]{1,100}$/, 'must be a claim name such as preferred_username');
const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

/**
 * Sign-in with an OpenID Connect provider (Keycloak, Entra ID, …): access
 * tokens it signs (RS*, ES*, PS*) are verified with the keys its discovery
 * document points to. Off while VIDGATE_OIDC_ISSUER is unset; HS256 tokens
 * (VIDGATE_JWT_SECRET) are accepted either way.
 */
export const OIDC = {
  VIDGATE_ENV: PROCESS.VIDGATE_ENV,
  // Exactly as the provider writes it in "iss" (a trailing slash matters): not normalised.
  VIDGATE_OIDC_ISSUER: httpUrl.optional(),
  VIDGATE_OIDC_AUDIENCE: z.string().min(1).optional(),
  VIDGATE_OIDC_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._~:-]{1,200}$/).optional(),
  VIDGATE_OIDC_CLOCK_SKEW: whole.pipe(z.number().int().min(0).max(300)).default(30),
  VIDGATE_OIDC_USER_CLAIM: claimName.default('sub'),
  VIDGATE_OIDC_NAME_CLAIM: claimName.default('name'),
  VIDGATE_OIDC_GROUPS_CLAIM: claimName.default('groups'),
  VIDGATE_OIDC_ADMIN_GROUP: z.string().min(1).default('vidgate-admins'),
  VIDGATE_OIDC_PREMIUM_GROUP: z.string().min(1).default('vidgate-premium'),
};

export function oidcSection(e: z.infer<z.ZodObject<typeof OIDC>>) {
  const issuer = e.VIDGATE_OIDC_ISSUER;
  if (!issuer) {
    for (const name of ['VIDGATE_OIDC_AUDIENCE', 'VIDGATE_OIDC_CLIENT_ID'] as const) {
      if (e[name] !== undefined) throw new ConfigError(`${name} is set but VIDGATE_OIDC_ISSUER is not: set the issuer to sign in with an identity provider`);
    }
    return undefined;
  }
  // Without an audience, a token the provider made for any other application would be accepted here.
  if (!e.VIDGATE_OIDC_AUDIENCE) throw new ConfigError('VIDGATE_OIDC_AUDIENCE is required with VIDGATE_OIDC_ISSUER: the "aud" value the provider puts in access tokens meant for Vidgate');
  if (e.VIDGATE_ENV === 'production' && !issuer.startsWith('https://')) throw new ConfigError('VIDGATE_OIDC_ISSUER must be an https URL in production: its keys decide who signs in');
  return Object.freeze({
    issuer,
    audience: e.VIDGATE_OIDC_AUDIENCE,
    /** The pages' public client (authorization code + PKCE); without it they cannot sign in with the provider. */
    clientId: e.VIDGATE_OIDC_CLIENT_ID,
    clockSkewSeconds: e.VIDGATE_OIDC_CLOCK_SKEW,
    claims: Object.freeze({ user: e.VIDGATE_OIDC_USER_CLAIM, name: e.VIDGATE_OIDC_NAME_CLAIM, groups: e.VIDGATE_OIDC_GROUPS_CLAIM }),
    adminGroup: e.VIDGATE_OIDC_ADMIN_GROUP,
    premiumGroup: e.VIDGATE_OIDC_PREMIUM_GROUP,
  });
}
export type OidcConfig = NonNullable<ReturnType<typeof oidcSection>>;
