import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '@vidgate/common/errors';
import { groupsOf, type Principal } from '../jwt.ts';
import { discoverJwksUri } from './discovery.ts';
import type { OidcConfig } from './oidc-config.ts';

/** What an identity provider may sign access tokens with; HS* never (its "key" would be public), nor "none". */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

export interface OidcVerifierOptions {
  /**
   * Milliseconds between two JWKS fetches caused by unknown key ids (jose's
   * cooldown), and the pause after a failed fetch before the provider is asked
   * again; 30 s.
   */
  cooldownMs?: number;
  /** Timeout of one request for the discovery document or the JWKS; 5 s. */
  timeoutMs?: number;
  /** The clock tokens are checked against (tests move it). */
  now?: () => Date;
}

/** The provider could not be asked for its keys: not the token's fault (503, never 401). */
class KeysUnavailable extends Error {}
type RemoteKeys = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies the provider's access tokens: signature with a key of its JWKS,
 * issuer, audience, exp and nbf (within the clock skew). The discovery
 * document and the keys are fetched on first use, once, and shared by every
 * request; a token with an unknown kid makes jose fetch the JWKS again (one
 * fetch for any number of waiting requests, at most once per cooldown). While
 * the provider cannot be reached, keys it published before keep verifying the
 * tokens they signed, and nothing asks it again until the cooldown has passed.
 */
export function createOidcVerifier(config: OidcConfig, options: OidcVerifierOptions = {}): (token: string) => Promise<Principal> {
  const cooldownMs = options.cooldownMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let remote: Promise<RemoteKeys> | undefined;
  let known: RemoteKeys | undefined;
  let failedAt = -Infinity;

  const remoteKeys = () => (remote ??= discoverJwksUri(config.issuer, timeoutMs).then(
    (jwksUri) => (known = createRemoteJWKSet(jwksUri, { cooldownDuration: cooldownMs, timeoutDuration: timeoutMs })),
    (err: unknown) => {
      remote = undefined;
      throw err;
    },
  ));

  const getKey: JWTVerifyGetKey = async (header, token) => {
    let failure: unknown = new Error('the identity provider could not be reached a moment ago');
    if (Date.now() - failedAt >= cooldownMs) {
      try {
        return await (await remoteKeys())(header, token);
      } catch (err) {
        if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
        failedAt = Date.now();
        failure = err;
      }
    }
    // The provider cannot be asked now: the keys it published before still verify what they signed.
    const keys = known?.jwks();
    if (keys) {
      try {
        return await createLocalJWKSet(keys)(header, token);
      } catch {
        // Not among them: only the provider can tell, and it cannot now.
      }
    }
    throw new KeysUnavailable(`the identity provider's keys could not be fetched: ${(failure as Error).message}`, { cause: failure });
  };

  return async (token) => {
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, getKey, {
        algorithms: OIDC_ALGORITHMS,
        issuer: config.issuer,
        audience: config.audience,
        clockTolerance: config.clockSkewSeconds,
        requiredClaims: ['exp'],
        currentDate: options.now?.(),
      }));
    } catch (err) {
      if (err instanceof KeysUnavailable) {
        const retryAfter = Math.max(1, Math.ceil((failedAt + cooldownMs - Date.now()) / 1000));
        throw new AppError('unavailable', err.message, undefined, retryAfter);
      }
      throw new AppError('token_invalid', `the bearer token is not valid: ${(err as Error).message}`);
    }
    return principalOf(claims, config);
  };
}

/** A claim by name, or by a dotted path into nested claims when no claim has that name. */
function claimAt(claims: JWTPayload, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) value = value !== null && typeof value === 'object' && Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/** The principal the configured claims describe; the role and premium follow group membership. */
export function principalOf(claims: JWTPayload, config: Pick<OidcConfig, 'claims' | 'adminGroup' | 'premiumGroup'>): Principal {
  const user = claimAt(claims, config.claims.user);
  if (typeof user !== 'string' || user === '') throw new AppError('token_invalid', `the token has no "${config.claims.user}" claim naming the user`);
  const groups = groupsOf(claimAt(claims, config.claims.groups));
  const name = claimAt(claims, config.claims.name);
  return {
    sub: user,
    role: groups.includes(config.adminGroup) ? 'admin' : 'user',
    premium: groups.includes(config.premiumGroup),
    groups,
    ...(typeof name === 'string' && name !== '' ? { name } : {}),
  };
}
