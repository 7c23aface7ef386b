import { z } from 'zod';
import { bool, ConfigError, parseEnv, port, seconds, type Env } from '@vidgate/common/config/env';
import { CREDENTIALS, credentialsSection, DATABASE, databaseSection, JWT, jwtSection, PROCESS, processSection, PUBLIC_URL, publicUrlOf, SIGNING, signingSection, STORAGE, storageSection, UPLOADS, uploadsSection } from '@vidgate/common/config/sections';
import { OIDC, oidcSection } from './oidc/oidc-config.ts';

/** Lifetimes of playback URLs, who may watch anonymously, and the demo login. */
export const PLAYBACK = {
  VIDGATE_ENV: PROCESS.VIDGATE_ENV,
  VIDGATE_PLAYBACK_MASTER_TTL: seconds.default(300),
  VIDGATE_PLAYBACK_GRACE: seconds.default(1_800),
  VIDGATE_PLAYBACK_MAX_TTL: seconds.default(21_600),
  VIDGATE_ANONYMOUS_PUBLIC: bool.default(false),
  VIDGATE_DEMO_LOGIN: bool.optional(),
  VIDGATE_PLAYBACK_AUDIT: z.enum(['background', 'before-grant']).default('background'),
};

/** The in-process cache of video metadata and signed playlists. */
export const CACHE = {
  VIDGATE_CACHE_TTL: seconds.default(30),
  VIDGATE_CACHE_MAX_KEYS: seconds.default(10_000),
};
export const cacheSection = (e: z.infer<z.ZodObject<typeof CACHE>>) => Object.freeze({ ttlSeconds: e.VIDGATE_CACHE_TTL, maxKeys: e.VIDGATE_CACHE_MAX_KEYS });

/** Every variable the auth service reads, and nothing else. */
export const AUTH_SHAPE = {
  ...PROCESS,
  ...PUBLIC_URL,
  VIDGATE_AUTH_PORT: port.default(8081),
  ...STORAGE,
  ...CREDENTIALS.auth,
  ...DATABASE,
  ...SIGNING,
  ...JWT,
  ...OIDC,
  ...UPLOADS,
  ...PLAYBACK,
  ...CACHE,
};

export function playbackSection(e: z.infer<z.ZodObject<typeof PLAYBACK>>) {
  const production = e.VIDGATE_ENV === 'production';
  if (e.VIDGATE_PLAYBACK_MASTER_TTL > e.VIDGATE_PLAYBACK_MAX_TTL) throw new ConfigError('VIDGATE_PLAYBACK_MASTER_TTL must not exceed VIDGATE_PLAYBACK_MAX_TTL');
  const demoLogin = e.VIDGATE_DEMO_LOGIN ?? !production;
  if (production && demoLogin) throw new ConfigError('VIDGATE_DEMO_LOGIN hands out tokens to anyone; it cannot be enabled in production');
  return Object.freeze({
    masterTtl: e.VIDGATE_PLAYBACK_MASTER_TTL,
    grace: e.VIDGATE_PLAYBACK_GRACE,
    maxTtl: e.VIDGATE_PLAYBACK_MAX_TTL,
    anonymousPublic: e.VIDGATE_ANONYMOUS_PUBLIC,
    demoLogin,
    /**
     * When a playback's audit event is written. "background": the answer does not wait for it (the group
     * commit stores it within milliseconds; a failure is logged and counted). "before-grant": the answer
     * waits until it is stored, and a playback whose event cannot be stored is refused (503).
     */
    audit: e.VIDGATE_PLAYBACK_AUDIT,
  });
}

/** The auth service's configuration, parsed once at start-up: its own MinIO user, the signing keys, the JWT secret. */
export function loadAuthConfig(env: Env = process.env) {
  const e = parseEnv(AUTH_SHAPE, env);
  return Object.freeze({
    ...processSection(e),
    port: e.VIDGATE_AUTH_PORT,
    publicUrl: publicUrlOf(e),
    minio: Object.freeze({ ...storageSection(e), auth: credentialsSection.auth(e) }),
    database: databaseSection(e),
    signing: signingSection(e),
    /** Bearer tokens: HS256 with the shared secret, and the identity provider's (undefined: HS256 only). */
    jwt: Object.freeze({ ...jwtSection(e), oidc: oidcSection(e) }),
    uploads: uploadsSection(e),
    playback: playbackSection(e),
    cache: cacheSection(e),
  });
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;
