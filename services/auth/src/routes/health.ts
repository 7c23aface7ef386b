import { Router } from 'express';
import { AppError } from '@vidgate/common/errors';
import type { ObjectStore } from '@vidgate/common/object-store';

/**
 * Liveness answers while the process runs (with its pid, so a supervisor knows it
 * reached its own child); readiness needs the bucket (503 otherwise).
 */
export function healthRoutes(store: ObjectStore): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', pid: process.pid });
  });
  router.get('/readyz', async (req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready' });
    } catch (err) {
      req.log?.warn({ err }, 'not ready: object storage unreachable');
      throw new AppError('not_ready', 'object storage is unreachable');
    }
  });
  return router;
}
