import { randomBytes } from 'node:crypto';
import { parse, serialize } from 'cookie';
import { Router, type Request } from 'express';
import jwt from 'jsonwebtoken';
import type { AuthConfig } from '../auth-config.ts';
import { issueToken } from '../jwt.ts';

const COOKIE = 'vidgate_demo';
const TOKEN_TTL = 3600;
const IDENTITY_TTL = 30 * 86_400;
/** The identity cookie is a JWT for this audience only, so it is never accepted as an access token. */
const identityAudience = (config: AuthConfig) => `${config.jwt.audience}#demo-identity`;

/** The demo user this browser was given before, if its cookie is genuine and current. */
function knownIdentity(config: AuthConfig, req: Request): string | undefined {
  const cookie = parse(req.get('cookie') ?? '')[COOKIE];
  if (!cookie) return undefined;
  try {
    const claims = jwt.verify(cookie, config.jwt.secret, { algorithms: ['HS256'], issuer: config.jwt.issuer, audience: identityAudience(config) });
    return typeof claims === 'object' && typeof claims.sub === 'string' && /^demo-[A-Za-z0-9_-]{12}$/.test(claims.sub) ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POST /v1/demo/login: a short-lived user token for the demo pages, in
 * development only (config refuses it in production). Each browser is its own
 * user: the first call makes a random identity and keeps it in an HttpOnly
 * cookie (30 days), later calls renew the token for the same identity, so one
 * visitor never sees or cancels another's uploads.
 */
export function demoLoginRoutes(config: AuthConfig): Router {
  const router = Router();
  const secure = config.publicUrl.startsWith('https:');
  router.post('/v1/demo/login', (req, res) => {
    const sub = knownIdentity(config, req) ?? `demo-${randomBytes(9).toString('base64url')}`;
    const identity = jwt.sign({}, config.jwt.secret, { algorithm: 'HS256', subject: sub, issuer: config.jwt.issuer, audience: identityAudience(config), expiresIn: IDENTITY_TTL });
    res.set('Cache-Control', 'no-store');
    res.append('Set-Cookie', serialize(COOKIE, identity, { httpOnly: true, sameSite: 'strict', secure, path: '/v1/demo/', maxAge: IDENTITY_TTL }));
    const token = issueToken(config.jwt, { sub, role: 'user', premium: false }, TOKEN_TTL);
    res.json({ token, sub, expiresIn: TOKEN_TTL });
  });
  return router;
}
