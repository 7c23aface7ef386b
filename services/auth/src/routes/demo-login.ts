import { Router } from 'express';
import type { AuthConfig } from '../auth-config.ts';
import { issueToken } from '../jwt.ts';

const DEMO_VIEWER = 'demo-viewer';

/**
 * POST /v1/demo/login: hands the player page a short-lived user token. Only in
 * development (config refuses it in production): there is no user database.
 */
export function demoLoginRoutes(config: AuthConfig): Router {
  const router = Router();
  router.post('/v1/demo/login', (_req, res) => {
    const ttl = 3600;
    const token = issueToken(config.jwt, { sub: DEMO_VIEWER, role: 'user', premium: false }, ttl);
    res.set('Cache-Control', 'no-store').json({ token, sub: DEMO_VIEWER, expiresIn: ttl });
  });
  return router;
}
