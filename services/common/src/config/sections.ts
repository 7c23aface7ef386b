import { z } from 'zod';
import { KID } from '../signing.ts';
import { ConfigError, port, seconds, url, whole } from './env.ts';

/**
 * The parts of the configuration that more than one process reads. Each part
 * is a zod shape (the variables, their checks and defaults) and a function
 * that turns the parsed values into a frozen section. A process's loader picks
 * the parts it uses; defaults are defined here and nowhere else.
 */
type Parsed<S extends z.ZodRawShape> = z.infer<z.ZodObject<S>>;

const KEY_TEXT = /^[A-Za-z0-9_+/=.-]+$/; // placed verbatim in nginx config: no quotes, spaces or "$"
const MIN_KEY_BYTES = 32;
/** Database and role names: placed in SQL as identifiers, so plain lower-case words only. */
const PG_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const PROCESS = {
  VIDGATE_ENV: z.enum(['development', 'production']).default('development'),
  VIDGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VIDGATE_BIND_HOST: z.string().default('127.0.0.1'),
};
export const processSection = (e: Parsed<typeof PROCESS>) => ({ env: e.VIDGATE_ENV, logLevel: e.VIDGATE_LOG_LEVEL, bindHost: e.VIDGATE_BIND_HOST });

/** The origin as players reach it; its default follows the origin port. */
export const PUBLIC_URL = {
  VIDGATE_ENV: PROCESS.VIDGATE_ENV,
  VIDGATE_PUBLIC_URL: url.optional(),
  VIDGATE_ORIGIN_PORT: port.default(8080),
};
export function publicUrlOf(e: Parsed<typeof PUBLIC_URL>): string {
  if (e.VIDGATE_ENV === 'production' && !e.VIDGATE_PUBLIC_URL) {
    throw new ConfigError('VIDGATE_PUBLIC_URL is required in production: signed and upload URLs are made for it');
  }
  return e.VIDGATE_PUBLIC_URL ?? `http://localhost:${e.VIDGATE_ORIGIN_PORT}`;
}

/** Where the bucket is; every process that talks to MinIO reads it, with credentials of its own. */
export const STORAGE = {
  VIDGATE_BIND_HOST: PROCESS.VIDGATE_BIND_HOST,
  VIDGATE_MINIO_PORT: port.default(9000),
  VIDGATE_MINIO_ENDPOINT: url.optional(),
  VIDGATE_MINIO_REGION: z.string().regex(/^[a-z0-9-]{1,32}$/).default('us-east-1'),
  // Not a path nginx routes itself (media, v1, healthz): uploads use path-style /<bucket>/uploads/.
  VIDGATE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{2,62}$/).refine((b) => !['media', 'v1', 'healthz'].includes(b), 'collides with an nginx location').default('vidgate-media'),
};
export const storageSection = (e: Parsed<typeof STORAGE>) => Object.freeze({
  endpoint: e.VIDGATE_MINIO_ENDPOINT ?? `http://${e.VIDGATE_BIND_HOST}:${e.VIDGATE_MINIO_PORT}`,
  region: e.VIDGATE_MINIO_REGION,
  bucket: e.VIDGATE_BUCKET,
});
export type StorageConfig = ReturnType<typeof storageSection>;

export interface Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
}
/** One MinIO user's credentials: root, or the nginx, auth or transcoder service user. */
export const CREDENTIALS = {
  root: { VIDGATE_MINIO_ROOT_USER: z.string().min(3).default('vidgate-root'), VIDGATE_MINIO_ROOT_PASSWORD: z.string().min(8) },
  nginx: { VIDGATE_NGINX_S3_ACCESS_KEY: z.string().min(3).regex(KEY_TEXT).default('vidgate-nginx'), VIDGATE_NGINX_S3_SECRET: z.string().min(8).regex(KEY_TEXT) },
  auth: { VIDGATE_AUTH_S3_ACCESS_KEY: z.string().min(3).default('vidgate-auth'), VIDGATE_AUTH_S3_SECRET: z.string().min(8) },
  transcoder: { VIDGATE_TRANSCODER_S3_ACCESS_KEY: z.string().min(3).default('vidgate-transcoder'), VIDGATE_TRANSCODER_S3_SECRET: z.string().min(8) },
};
export const credentialsSection = {
  root: (e: Parsed<typeof CREDENTIALS.root>): Credentials => Object.freeze({ accessKey: e.VIDGATE_MINIO_ROOT_USER, secretKey: e.VIDGATE_MINIO_ROOT_PASSWORD }),
  nginx: (e: Parsed<typeof CREDENTIALS.nginx>): Credentials => Object.freeze({ accessKey: e.VIDGATE_NGINX_S3_ACCESS_KEY, secretKey: e.VIDGATE_NGINX_S3_SECRET }),
  auth: (e: Parsed<typeof CREDENTIALS.auth>): Credentials => Object.freeze({ accessKey: e.VIDGATE_AUTH_S3_ACCESS_KEY, secretKey: e.VIDGATE_AUTH_S3_SECRET }),
  transcoder: (e: Parsed<typeof CREDENTIALS.transcoder>): Credentials => Object.freeze({ accessKey: e.VIDGATE_TRANSCODER_S3_ACCESS_KEY, secretKey: e.VIDGATE_TRANSCODER_S3_SECRET }),
};

/** Whose upload sessions (upload-sessions.ts) the transcoder revokes: the auth service's MinIO user, a name and no secret. */
export const UPLOAD_SESSIONS_PARENT = { VIDGATE_AUTH_S3_ACCESS_KEY: CREDENTIALS.auth.VIDGATE_AUTH_S3_ACCESS_KEY };

const keyRing = z.string().transform((text, ctx) => {
  const ring = new Map<string, string>();
  for (const entry of list(text)) {
    const colon = entry.indexOf(':');
    const kid = entry.slice(0, colon);
    const key = entry.slice(colon + 1);
    // Without a colon the whole entry is probably a bare key: never echo it.
    if (colon < 1) ctx.addIssue({ code: 'custom', message: 'an entry has no key id (format kid:key,kid:key)' });
    else if (!KID.test(kid)) ctx.addIssue({ code: 'custom', message: `key id "${kid}" must match [A-Za-z0-9_-]{1,32} (format kid:key,kid:key)` });
    else if (ring.has(kid)) ctx.addIssue({ code: 'custom', message: `key id "${kid}" is listed twice` });
    else if (Buffer.byteLength(key) < MIN_KEY_BYTES) ctx.addIssue({ code: 'custom', message: `key "${kid}" is shorter than ${MIN_KEY_BYTES} bytes` });
    else if (!KEY_TEXT.test(key)) ctx.addIssue({ code: 'custom', message: `key "${kid}" may only use [A-Za-z0-9_+/=.-]` });
    else ring.set(kid, key);
  }
  if (ring.size === 0) ctx.addIssue({ code: 'custom', message: 'at least one signing key is required' });
  return ring as ReadonlyMap<string, string>;
});

/** The keys URLs are signed and validated with: nginx and the auth service. */
export const SIGNING_KEYS = {
  VIDGATE_SIGN_MODE: z.enum(['hmac', 'md5']).default('hmac'),
  VIDGATE_SIGNING_KEYS: keyRing,
  VIDGATE_SIGNING_KEY_ID: z.string().regex(KID).optional(),
};
export function signingKeysSection(e: Parsed<typeof SIGNING_KEYS>) {
  const activeKid = e.VIDGATE_SIGNING_KEY_ID ?? [...e.VIDGATE_SIGNING_KEYS.keys()][0]!;
  if (!e.VIDGATE_SIGNING_KEYS.has(activeKid)) throw new ConfigError(`VIDGATE_SIGNING_KEY_ID "${activeKid}" is not one of VIDGATE_SIGNING_KEYS`);
  return { mode: e.VIDGATE_SIGN_MODE, keys: e.VIDGATE_SIGNING_KEYS, activeKid };
}
export type SigningKeys = ReturnType<typeof signingKeysSection>;

/** Signing keys plus the lifetimes of URLs minted by /v1/sign: what mints URLs. */
export const SIGNING = {
  ...SIGNING_KEYS,
  VIDGATE_SIGN_DEFAULT_TTL: seconds.default(300),
  VIDGATE_SIGN_MAX_TTL: seconds.default(86_400),
};
export function signingSection(e: Parsed<typeof SIGNING>) {
  if (e.VIDGATE_SIGN_DEFAULT_TTL > e.VIDGATE_SIGN_MAX_TTL) throw new ConfigError('VIDGATE_SIGN_DEFAULT_TTL must not exceed VIDGATE_SIGN_MAX_TTL');
  return Object.freeze({ ...signingKeysSection(e), defaultTtl: e.VIDGATE_SIGN_DEFAULT_TTL, maxTtl: e.VIDGATE_SIGN_MAX_TTL });
}
export type SigningConfig = ReturnType<typeof signingSection>;

export const JWT = {
  VIDGATE_JWT_SECRET: z.string().min(MIN_KEY_BYTES),
  VIDGATE_JWT_ISSUER: z.string().min(1).default('vidgate'),
  VIDGATE_JWT_AUDIENCE: z.string().min(1).default('vidgate-api'),
};
export const jwtSection = (e: Parsed<typeof JWT>) => Object.freeze({ secret: e.VIDGATE_JWT_SECRET, issuer: e.VIDGATE_JWT_ISSUER, audience: e.VIDGATE_JWT_AUDIENCE });
export type JwtConfig = ReturnType<typeof jwtSection>;

/** Upload limits: the auth service presigns within them, nginx bounds bodies and CORS by them. */
export const UPLOAD_EDGE = {
  VIDGATE_UPLOAD_MAX_BYTES: whole.pipe(z.number().int().positive()).default(10 * 1024 ** 3),
  VIDGATE_CORS_ORIGINS: z.string().regex(/^(https?:\/\/[A-Za-z0-9.:-]+)?(,\s*https?:\/\/[A-Za-z0-9.:-]+)*$/, 'must be a comma-separated list of origins like https://app.example.com').default(''),
};
export const UPLOADS = {
  ...UPLOAD_EDGE,
  VIDGATE_UPLOAD_MULTIPART_THRESHOLD: whole.pipe(z.number().int().positive()).default(64 * 1024 ** 2),
  VIDGATE_UPLOAD_PART_SIZE: whole.pipe(z.number().int().min(5 * 1024 ** 2).max(5 * 1024 ** 3)).default(16 * 1024 ** 2),
  VIDGATE_UPLOAD_URL_TTL: whole.pipe(z.number().int().positive().max(7 * 86_400)).default(21_600),
  VIDGATE_UPLOAD_CONTENT_TYPES: z.string().default('video/mp4,video/quicktime,video/webm,video/x-matroska,video/mpeg,video/x-msvideo,video/mp2t,video/3gpp'),
  VIDGATE_UPLOAD_EXPIRY: whole.pipe(z.number().int().positive()).default(86_400),
  VIDGATE_UPLOAD_MAX_OPEN: whole.pipe(z.number().int().positive()).default(20),
  VIDGATE_UPLOAD_DAILY_BYTES: whole.pipe(z.number().int().positive()).default(100 * 1024 ** 3),
};
/** "a, b,,c" → ["a", "b", "c"]: the settings' comma-separated lists. */
export const list = (text: string) => Object.freeze(text.split(',').map((t) => t.trim()).filter(Boolean));
export const uploadEdgeSection = (e: Parsed<typeof UPLOAD_EDGE>) => Object.freeze({ maxBytes: e.VIDGATE_UPLOAD_MAX_BYTES, corsOrigins: list(e.VIDGATE_CORS_ORIGINS) });
export function uploadsSection(e: Parsed<typeof UPLOADS>) {
  // An upload's URLs must stop working before the upload expires, and one upload of the largest size must fit in a day.
  if (e.VIDGATE_UPLOAD_EXPIRY < e.VIDGATE_UPLOAD_URL_TTL) throw new ConfigError('VIDGATE_UPLOAD_EXPIRY must be at least VIDGATE_UPLOAD_URL_TTL');
  if (e.VIDGATE_UPLOAD_DAILY_BYTES < e.VIDGATE_UPLOAD_MAX_BYTES) throw new ConfigError('VIDGATE_UPLOAD_DAILY_BYTES must be at least VIDGATE_UPLOAD_MAX_BYTES');
  return Object.freeze({
    ...uploadEdgeSection(e),
    multipartThreshold: e.VIDGATE_UPLOAD_MULTIPART_THRESHOLD,
    partSize: e.VIDGATE_UPLOAD_PART_SIZE,
    urlTtl: e.VIDGATE_UPLOAD_URL_TTL,
    contentTypes: list(e.VIDGATE_UPLOAD_CONTENT_TYPES),
    /** Seconds after creation when an unfinished upload expires: no more URLs, its multipart upload aborted. */
    expiry: e.VIDGATE_UPLOAD_EXPIRY,
    /** Per user: uploads open at once, and bytes of uploads started in any 24 hours. */
    quota: Object.freeze({ open: e.VIDGATE_UPLOAD_MAX_OPEN, dailyBytes: e.VIDGATE_UPLOAD_DAILY_BYTES }),
  });
}
export type UploadsConfig = ReturnType<typeof uploadsSection>;

/**
 * The control plane's database: the role the services connect as (auth,
 * transcoder), which may read and write the tables and only append to the
 * audit trail. Migrations and role set-up use the admin role (DATABASE_ADMIN).
 */
export const DATABASE = {
  VIDGATE_BIND_HOST: PROCESS.VIDGATE_BIND_HOST,
  VIDGATE_DB_HOST: z.string().regex(/^[A-Za-z0-9.:_-]+$/).optional(),
  VIDGATE_DB_PORT: port.default(5432),
  VIDGATE_DB_NAME: z.string().regex(PG_NAME).default('vidgate'),
  VIDGATE_DB_USER: z.string().regex(PG_NAME).default('vidgate'),
  VIDGATE_DB_PASSWORD: z.string().min(16),
  VIDGATE_DB_POOL: whole.pipe(z.number().int().min(1).max(100)).default(10),
};
export const databaseSection = (e: Parsed<typeof DATABASE>) => Object.freeze({
  host: e.VIDGATE_DB_HOST ?? e.VIDGATE_BIND_HOST,
  port: e.VIDGATE_DB_PORT,
  database: e.VIDGATE_DB_NAME,
  user: e.VIDGATE_DB_USER,
  password: e.VIDGATE_DB_PASSWORD,
  poolSize: e.VIDGATE_DB_POOL,
});
export type DatabaseConfig = ReturnType<typeof databaseSection>;

/** The database's superuser: creates the database and the services' role, applies the migrations. */
export const DATABASE_ADMIN = {
  VIDGATE_DB_ADMIN_USER: z.string().regex(PG_NAME).default('postgres'),
  VIDGATE_DB_ADMIN_PASSWORD: z.string().min(16),
};
export const databaseAdminSection = (e: Parsed<typeof DATABASE_ADMIN>) => Object.freeze({ user: e.VIDGATE_DB_ADMIN_USER, password: e.VIDGATE_DB_ADMIN_PASSWORD });
export type DatabaseAdminConfig = ReturnType<typeof databaseAdminSection>;

/** How long the audit trail keeps events: `vidgate audit prune`, run as the admin role, removes older ones. */
export const AUDIT = { VIDGATE_AUDIT_RETENTION_DAYS: whole.pipe(z.number().int().min(1).max(36_500)).default(365) };
export const auditSection = (e: Parsed<typeof AUDIT>) => Object.freeze({ retentionDays: e.VIDGATE_AUDIT_RETENTION_DAYS });

/** The webhook token MinIO's upload notifications carry: MinIO sends it, the transcoder checks it. */
export const WEBHOOK = { VIDGATE_WEBHOOK_TOKEN: z.string().min(MIN_KEY_BYTES).regex(/^[A-Za-z0-9._~+/=-]+$/) };
