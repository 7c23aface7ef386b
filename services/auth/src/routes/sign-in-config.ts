import { Router } from 'express';
import type { AuthConfig } from '../auth-config.ts';

/** What the pages ask the provider for: who the user is (openid), with name and username (profile). */
export const PAGE_SCOPE = 'openid profile';

/**
 * GET /v1/auth/config: how the pages sign in (nginx/web/session.js). With the
 * identity provider when one is configured with a client for them
 * (authorization code + PKCE, a public client: nothing here is secret), else
 * with the demo login where it is on (development only).
 */
export function signInConfigRoutes(config: AuthConfig): Router {
  const { oidc } = config.jwt;
  const body = {
    oidc: oidc?.clientId ? { issuer: oidc.issuer, clientId: oidc.clientId, scope: PAGE_SCOPE } : null,
    demoLogin: config.playback.demoLogin,
  };
  const router = Router();
  router.get('/v1/auth/config', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json(body);
  });
  return router;
}
