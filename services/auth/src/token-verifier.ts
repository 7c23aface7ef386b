import { decodeProtectedHeader } from 'jose';
import { AppError } from '@vidgate/common/errors';
import type { AuthConfig } from './auth-config.ts';
import { verifyToken, type Principal } from './jwt.ts';
import { createOidcVerifier, OIDC_ALGORITHMS, type OidcVerifierOptions } from './oidc/oidc-verifier.ts';

export interface TokenVerifier {
  /** The principal a bearer token stands for; AppError token_invalid (401), or unavailable (503) when the provider's keys cannot be fetched. */
  verify(token: string): Promise<Principal>;
}

/**
 * One verifier per process, for every route: a token goes by the algorithm
 * its header names. HS256 is checked with the shared secret
 * (VIDGATE_JWT_SECRET: development and machine tokens); RS*, ES* and PS* with
 * the identity provider's published keys, when one is configured. Nothing
 * else, "none" included. The two never cross: an HS256 token is never checked
 * against a provider's public key, whatever its kid says.
 */
export function createTokenVerifier(config: AuthConfig['jwt'], options: OidcVerifierOptions = {}): TokenVerifier {
  const oidc = config.oidc && createOidcVerifier(config.oidc, options);
  return {
    async verify(token) {
      const alg = algorithmOf(token);
      if (alg === 'HS256') return verifyToken(config, token);
      if (OIDC_ALGORITHMS.includes(alg)) {
        if (!oidc) throw new AppError('token_invalid', `the bearer token is signed with ${alg}, and no identity provider is configured`);
        return oidc(token);
      }
      throw new AppError('token_invalid', `the bearer token is signed with ${/^[A-Za-z0-9+-]{1,16}$/.test(alg) ? alg : 'an unknown algorithm'}, which is not accepted`);
    },
  };
}

const shared = new WeakMap<AuthConfig['jwt'], TokenVerifier>();
/** The verifier of a configuration, made on first use: every route of the process shares it, and so its keys. */
export function tokenVerifierFor(config: AuthConfig['jwt']): TokenVerifier {
  let verifier = shared.get(config);
  if (!verifier) shared.set(config, (verifier = createTokenVerifier(config)));
  return verifier;
}

function algorithmOf(token: string): string {
  let alg: unknown;
  try {
    ({ alg } = decodeProtectedHeader(token));
  } catch {
    throw new AppError('token_invalid', 'the bearer token is not valid: it is not a JWT');
  }
  if (typeof alg !== 'string') throw new AppError('token_invalid', 'the bearer token is not valid: its header names no algorithm');
  return alg;
}
