import { Router } from 'express';
import { AppError } from '@vidgate/common/errors';
import type { ObjectStore } from '@vidgate/common/object-store';
import type { VideoStore } from '@vidgate/common/video-store';

/**
 * Liveness answers while the process runs (with its pid, so a supervisor knows it
 * reached its own child); readiness needs the bucket and the database (503 otherwise).
 */
export function healthRoutes(store: ObjectStore, videos: VideoStore): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', pid: process.pid });
  });
  router.get('/readyz', async (req, res) => {
    for (const [what, ping] of [['object storage', () => store.ping()], ['the database', () => videos.ping()]] as const) {
      try {
        await ping();
      } catch (err) {
        req.log?.warn({ err }, `not ready: ${what} unreachable`);
        throw new AppError('not_ready', `${what} is unreachable`);
      }
    }
    res.json({ status: 'ready' });
  });
  return router;
}
