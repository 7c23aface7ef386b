import type { ErrorRequestHandler, Request } from 'express';
import type { AuditEvent, AuditLog } from '@vidgate/common/audit';
import { AppError } from '@vidgate/common/errors';

/**
 * Who made a request, as the audit trail records it: the token's subject (or
 * "anonymous"), the client's address (req.ip: nginx's X-Forwarded-For from a
 * trusted proxy) and user agent. Spread it into an event:
 * `audit.record({ ...requester(req), action: 'video.deleted', videoId })`.
 */
export function requester(req: Request): Pick<AuditEvent, 'actor' | 'clientIp' | 'userAgent'> {
  return { actor: req.principal?.sub ?? 'anonymous', clientIp: req.ip, userAgent: req.get('user-agent') };
}

/** Anything shaped like a JWT inside a message: never written to the trail. */
const TOKEN_LIKE = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** The subject a refused token claims (unverified: it is only a lead), never the token itself. */
function claimedSubject(req: Request): string | undefined {
  const payload = /^bearer [^.\s]+\.([A-Za-z0-9_-]+)\./i.exec(req.get('authorization') ?? '')?.[1];
  if (!payload) return undefined;
  try {
    const sub: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).sub;
    return typeof sub === 'string' ? sub.slice(0, 128) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records every refused token (invalid, or without the role a route needs:
 * `forbidden` before authenticate() accepted it) as `token.refused` with the
 * reason code, then hands the error on to the error handler. The actor of a
 * role refusal is the token's verified subject; an invalid token's is
 * `anonymous`, with the subject it claims as a lead. A request without any
 * token is not a refused token, nor is a route's own refusal of a user it
 * accepted (that route records it, if it is worth recording).
 */
export function auditRefusedTokens(audit: AuditLog): ErrorRequestHandler {
  return async (err, req, res, next) => {
    if (err instanceof AppError && !req.principal && (err.code === 'token_invalid' || err.code === 'forbidden')) {
      const verified = typeof res.locals.refusedSubject === 'string' ? res.locals.refusedSubject : undefined;
      const claimed = verified === undefined ? claimedSubject(req) : undefined;
      await audit.record({
        ...requester(req),
        ...(verified === undefined ? {} : { actor: verified }),
        action: 'token.refused',
        detail: {
          reason: err.code, message: err.message.replace(TOKEN_LIKE, '[token]').slice(0, 200), method: req.method, path: req.path.slice(0, 200),
          ...(claimed === undefined ? {} : { claimedSubject: claimed }),
        },
      });
    }
    next(err);
  };
}

/**
 * A route's refusals (4xx, with their code as the reason) recorded as `action`,
 * with the video the route names (:id); then the error goes on to the handler.
 * Failures of ours (5xx) are not refusals. Mount it on the route's path after
 * the route: `router.use('/v1/videos/:id/x', auditRefusals(audit, 'x.refused'))`.
 */
export function auditRefusals(audit: AuditLog, action: AuditEvent['action']): ErrorRequestHandler {
  return async (err, req, _res, next) => {
    if (err instanceof AppError && err.status < 500) {
      const videoId = typeof req.params.id === 'string' ? req.params.id : undefined;
      await audit.record({ ...requester(req), action, videoId, detail: { reason: err.code } });
    }
    next(err);
  };
}
