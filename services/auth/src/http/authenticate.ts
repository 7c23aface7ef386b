import type { RequestHandler } from 'express';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import { verifyToken, type Principal } from '../jwt.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Requires "Authorization: Bearer <JWT>" (unless optional and absent); sets req.principal. */
export function authenticate(jwtConfig: AuthConfig['jwt'], options: { role?: Principal['role']; optional?: boolean } = {}): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    if (header === '' && options.optional) return next();
    const match = /^bearer ([A-Za-z0-9._-]+)$/i.exec(header); // the scheme is case-insensitive (RFC 7235)
    if (!match) throw new AppError('token_missing', 'an "Authorization: Bearer <token>" header is required');
    const principal = verifyToken(jwtConfig, match[1]!);
    if (options.role && principal.role !== options.role) {
      throw new AppError('forbidden', `this needs the ${options.role} role`);
    }
    req.principal = principal;
    next();
  };
}
