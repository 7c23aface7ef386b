import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, errorBody } from './errors.ts';

interface ErrorLog {
  error(obj: object, msg: string): void;
}

/**
 * Every service's express error handler: maps any error to { error, message }
 * in one place; unknown errors become a bare 500. 5xx are logged with the
 * request's logger (pino-http) when there is one, else with the fallback.
 * The code answered is left in res.locals.errorCode for the metrics.
 */
export function errorHandler(fallback?: ErrorLog): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    const log = (req as { log?: ErrorLog }).log ?? fallback;
    if (appError.status >= 500) log?.error({ err, details: appError.details }, appError.message);
    res.locals.errorCode = appError.code;
    if (res.headersSent) return void res.destroy();
    // A refusal is about this request now: no browser or CDN may keep it.
    res.status(appError.status).set('Cache-Control', 'no-store');
    if (appError.retryAfter !== undefined) res.set('Retry-After', String(Math.max(1, Math.ceil(appError.retryAfter))));
    res.json(errorBody(appError));
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  // body-parser's own errors carry a status and a type.
  if (e.type === 'entity.parse.failed') return new AppError('invalid_body', 'the request body is not valid JSON');
  if (e.type === 'entity.too.large') return new AppError('payload_too_large', 'the request body is too large');
  if (e.status === 415 || e.type === 'charset.unsupported') return new AppError('unsupported_media_type', 'unsupported content type');
  // Other 400s (a body that does not decompress, a short body, an undecodable path parameter) are the client's fault, not a 500.
  if (e.status === 400) return new AppError('bad_request', 'the request could not be read');
  return new AppError('internal', String(e.message ?? err));
}

export const notFound: RequestHandler = (req) => {
  throw new AppError('not_found', `no route for ${req.method} ${req.path}`);
};
