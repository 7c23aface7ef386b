import jwt from 'jsonwebtoken';
import type { AuthConfig } from './auth-config.ts';
import { AppError } from '@vidgate/common/errors';

/** Only this algorithm is accepted: "none" and asymmetric confusion are refused. */
const ALGORITHM = 'HS256';

export interface Principal {
  sub: string;
  role: 'admin' | 'user';
  premium: boolean;
}

export function issueToken(jwtConfig: AuthConfig['jwt'], principal: Principal, ttlSeconds = 3600): string {
  return jwt.sign({ role: principal.role, premium: principal.premium }, jwtConfig.secret, {
    algorithm: ALGORITHM,
    subject: principal.sub,
    issuer: jwtConfig.issuer,
    audience: jwtConfig.audience,
    expiresIn: ttlSeconds,
  });
}

export function verifyToken(jwtConfig: AuthConfig['jwt'], token: string): Principal {
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
  return { sub: claims.sub, role: claims.role === 'admin' ? 'admin' : 'user', premium: claims.premium === true };
}
