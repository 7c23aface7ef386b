import jwt from 'jsonwebtoken';
import type { JwtConfig } from '@vidgate/common/config/sections';
import { AppError } from '@vidgate/common/errors';

/** Only this algorithm is accepted: "none" and asymmetric confusion are refused. */
const ALGORITHM = 'HS256';

export interface Principal {
  sub: string;
  role: 'admin' | 'user';
  premium: boolean;
  /** The identity provider's groups of the user: what videos are shared with besides names. */
  groups?: readonly string[];
  /** A display name, when the token carries one. */
  name?: string;
}

/** A "groups" claim as a list of names (a lone string is one group); anything else in it is dropped. */
export const groupsOf = (value: unknown): string[] => (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []).filter((g): g is string => typeof g === 'string' && g !== '');

/** An HS256 token; groups and name are written when given. */
export function issueToken(jwtConfig: JwtConfig, principal: Principal, ttlSeconds = 3600): string {
  const claims = { role: principal.role, premium: principal.premium, ...(principal.groups?.length ? { groups: principal.groups } : {}), ...(principal.name ? { name: principal.name } : {}) };
  return jwt.sign(claims, jwtConfig.secret, {
    algorithm: ALGORITHM,
    subject: principal.sub,
    issuer: jwtConfig.issuer,
    audience: jwtConfig.audience,
    expiresIn: ttlSeconds,
  });
}

export function verifyToken(jwtConfig: JwtConfig, token: string): Principal {
  let claims: jwt.JwtPayload;
  try {
    const decoded = jwt.verify(token, jwtConfig.secret, {
      algorithms: [ALGORITHM],
      issuer: jwtConfig.issuer,
      audience: jwtConfig.audience,
    });
    if (typeof decoded === 'string') throw new Error('payload is not an object');
    claims = decoded;
  } catch (err) {
    throw new AppError('token_invalid', `the bearer token is not valid: ${(err as Error).message}`);
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new AppError('token_invalid', 'the token has no subject');
  // jsonwebtoken accepts a token without "exp" as never expiring; every token we issue has one.
  if (typeof claims.exp !== 'number') throw new AppError('token_invalid', 'the token has no expiry');
  return {
    sub: claims.sub,
    role: claims.role === 'admin' ? 'admin' : 'user',
    premium: claims.premium === true,
    groups: groupsOf(claims.groups),
    ...(typeof claims.name === 'string' && claims.name !== '' ? { name: claims.name } : {}),
  };
}
