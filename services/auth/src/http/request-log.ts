import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import { redactUrl, type Logger } from '@vidgate/common/logger';

/** One structured line per request: method, redacted URL, status, bytes, time. */
export function requestLog(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req) => (req.headers['x-request-id'] as string | undefined) ?? randomUUID(),
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number; headers?: Record<string, unknown> }) => ({ status: res.statusCode, bytes: Number(res.headers?.['content-length'] ?? 0) }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  });
}
