import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import client from 'prom-client';
import { registerBuildInfo } from '@vidgate/common/build-info';
import pkg from '../../package.json' with { type: 'json' };


/**
 * The auth service's Prometheus metrics, on a registry of its own so that every
 * app built in a test has fresh counters. Labels stay low-cardinality: the route
 * pattern, never a video id or a user.
 */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'vidgate_auth_' });
  const metrics = {
    registry,
    requests: new client.Counter({ name: 'vidgate_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] }),
    tokens: new client.Counter({ name: 'vidgate_tokens_checked_total', help: 'Bearer tokens checked, by outcome: accepted, or the code they were refused with (token_invalid; unavailable while the identity provider\'s keys cannot be fetched)', labelNames: ['outcome'], registers: [registry] }),
    errors: new client.Counter({ name: 'vidgate_http_errors_total', help: 'Requests answered with an error, by route and error code (the "error" of the JSON body): token refusals by reason, an identity provider or database that cannot answer', labelNames: ['route', 'code'], registers: [registry] }),
    duration: new client.Histogram({ name: 'vidgate_http_request_duration_seconds', help: 'HTTP request latency by route', labelNames: ['route', 'method'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    backendBytes: new client.Counter({ name: 'vidgate_backend_bytes_total', help: 'Bytes that passed through the auth service process (headers included), by route and direction', labelNames: ['route', 'direction'], registers: [registry] }),
    urlsSigned: new client.Counter({ name: 'vidgate_urls_signed_total', help: 'URLs signed, by kind of target', labelNames: ['kind'], registers: [registry] }),
    uploads: new client.Counter({ name: 'vidgate_uploads_total', help: 'Direct uploads by kind (single, multipart) and outcome (created, completed, aborted)', labelNames: ['kind', 'outcome'], registers: [registry] }),
    manifests: new client.Counter({ name: 'vidgate_manifests_rewritten_total', help: 'Playlists served, by cache outcome', labelNames: ['cache'], registers: [registry] }),
  };
  // From zero, so that the first refusal is a rate, not a series appearing.
  for (const outcome of ['accepted', 'token_invalid', 'unavailable']) metrics.tokens.inc({ outcome }, 0);
  registerBuildInfo(registry, 'auth', pkg.version);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Bytes of a socket already attributed to earlier requests on it (keep-alive). */
const accounted = new WeakMap<object, { read: number; written: number }>();

/**
 * Counts each request's bytes on its socket (headers and body, both ways), so
 * the figure is what really crossed this process, chunked or not. Requests on a
 * keep-alive connection are sequential, so whatever the socket moved since the
 * previous request finished belongs to this one.
 */
export function measure(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const socket = req.socket;
    const stop = metrics.duration.startTimer();
    res.once('finish', () => {
      const route = req.route?.path ? String(req.route.path) : 'unmatched';
      const before = accounted.get(socket) ?? { read: 0, written: 0 };
      const now = { read: socket.bytesRead, written: socket.bytesWritten };
      accounted.set(socket, now);
      metrics.requests.inc({ route, method: req.method, status: String(res.statusCode) });
      if (res.locals.errorCode) metrics.errors.inc({ route, code: String(res.locals.errorCode) });
      if (res.locals.tokenOutcome) metrics.tokens.inc({ outcome: String(res.locals.tokenOutcome) });
      stop({ route, method: req.method });
      metrics.backendBytes.inc({ route, direction: 'in' }, Math.max(0, now.read - before.read));
      metrics.backendBytes.inc({ route, direction: 'out' }, Math.max(0, now.written - before.written));
    });
    next();
  };
}

export function metricsRoute(metrics: Metrics): Router {
  const router = createRouter();
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
