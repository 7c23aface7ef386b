import type { RequestHandler } from 'express';
import { AppError } from '@vidgate/common/errors';
import type { AuthConfig } from '../auth-config.ts';
import type { Principal } from '../jwt.ts';
import { tokenVerifierFor, type TokenVerifier } from '../token-verifier.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/**
 * Requires "Authorization: Bearer <JWT>" (unless optional and absent); sets
 * req.principal. Checked by `tokens`, or by the verifier the process shares for
 * that token configuration (token-verifier.ts). Async: an identity provider's
 * keys may have to be fetched first (express 5 passes a rejection on to the
 * error handler). What became of the token (accepted, or the error code of its
 * refusal) is left in res.locals.tokenOutcome for the metrics; the subject of
 * a valid token refused for want of the role, in res.locals.refusedSubject.
 */
export function authenticate(tokens: TokenVerifier | AuthConfig['jwt'], options: { role?: Principal['role']; optional?: boolean } = {}): RequestHandler {
  const verifier = 'verify' in tokens ? tokens : tokenVerifierFor(tokens);
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    if (header === '' && options.optional) return next();
    const match = /^bearer ([A-Za-z0-9._-]+)$/i.exec(header); // the scheme is case-insensitive (RFC 7235)
    if (!match) throw new AppError('token_missing', 'an "Authorization: Bearer <token>" header is required');
    const principal = await verifier.verify(match[1]!).catch((err: unknown) => {
      res.locals.tokenOutcome = err instanceof AppError ? err.code : 'internal';
      throw err;
    });
    res.locals.tokenOutcome = 'accepted';
    if (options.role && principal.role !== options.role) {
      // Verified, so the audit trail names who was refused (audit-request.ts).
      res.locals.refusedSubject = principal.sub;
      throw new AppError('forbidden', `this needs the ${options.role} role`);
    }
    req.principal = principal;
    next();
  };
}
