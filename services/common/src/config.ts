import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { KID } from './signing.ts';

/**
 * The one place that reads the environment. Every process parses it once at
 * start-up; the result is frozen and passed in. NAME_FILE is read for secrets.
 * Development defaults exist so `npm start` needs no setup; production refuses them.
 */
const DEV_SIGNING_KEY = 'dev-signing-key-not-for-production-0000000';
export const DEV_SECRETS = {
  VIDGATE_SIGNING_KEYS: `dev1:${DEV_SIGNING_KEY}`,
  VIDGATE_JWT_SECRET: 'dev-jwt-secret-not-for-production-000000000000',
  VIDGATE_MINIO_ROOT_PASSWORD: 'dev-minio-root-password',
  VIDGATE_NGINX_S3_SECRET: 'dev-nginx-s3-secret-key',
  VIDGATE_AUTH_S3_SECRET: 'dev-auth-s3-secret-key',
  VIDGATE_TRANSCODER_S3_SECRET: 'dev-transcoder-s3-secret-key',
  VIDGATE_WEBHOOK_TOKEN: 'dev-webhook-token-not-for-production-0000',
} as const;

const SECRET_NAMES = Object.keys(DEV_SECRETS) as (keyof typeof DEV_SECRETS)[];
const KEY_TEXT = /^[A-Za-z0-9_+/=.-]+$/; // placed verbatim in nginx config: no quotes, spaces or "$"
const MIN_KEY_BYTES = 32;

/** Whole numbers written as plain digits: no "1e3", "0x1F90" or " 8080 ". */
const whole = z.string().regex(/^[0-9]+$/, 'must be a whole number written in digits').transform(Number);
const port = whole.pipe(z.number().int().min(1).max(65535));
const seconds = whole.pipe(z.number().int().positive());
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const url = z.string().url().transform((u) => u.replace(/\/+$/, ''));

const keyRing = z.string().transform((text, ctx) => {
  const ring = new Map<string, string>();
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
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

const schema = z.object({
  VIDGATE_ENV: z.enum(['development', 'production']).default('development'),
  VIDGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VIDGATE_DATA_DIR: z.string().default('.vidgate'),
  VIDGATE_BIND_HOST: z.string().default('127.0.0.1'),
  VIDGATE_ORIGIN_PORT: port.default(8080),
  VIDGATE_AUTH_PORT: port.default(8081),
  VIDGATE_COLLECTOR_PORT: port.default(8082),
  VIDGATE_MINIO_PORT: port.default(9000),
  VIDGATE_MINIO_CONSOLE_PORT: port.default(9001),
  VIDGATE_PUBLIC_URL: url.optional(),
  VIDGATE_AUTH_UPSTREAM: z.string().regex(/^[A-Za-z0-9.-]+:\d+$/).optional(),
  VIDGATE_MINIO_ENDPOINT: url.optional(),
  VIDGATE_MINIO_REGION: z.string().regex(/^[a-z0-9-]{1,32}$/).default('us-east-1'),
  // Not a path nginx routes itself (media, v1, healthz): uploads use path-style /<bucket>/uploads/.
  VIDGATE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{2,62}$/).refine((b) => !['media', 'v1', 'healthz'].includes(b), 'collides with an nginx location').default('vidgate-media'),
  VIDGATE_MINIO_ROOT_USER: z.string().min(3).default('vidgate-root'),
  VIDGATE_MINIO_ROOT_PASSWORD: z.string().min(8),
  VIDGATE_NGINX_S3_ACCESS_KEY: z.string().min(3).regex(KEY_TEXT).default('vidgate-nginx'),
  VIDGATE_NGINX_S3_SECRET: z.string().min(8).regex(KEY_TEXT),
  VIDGATE_AUTH_S3_ACCESS_KEY: z.string().min(3).default('vidgate-auth'),
  VIDGATE_AUTH_S3_SECRET: z.string().min(8),
  VIDGATE_TRANSCODER_S3_ACCESS_KEY: z.string().min(3).default('vidgate-transcoder'),
  VIDGATE_TRANSCODER_S3_SECRET: z.string().min(8),
  VIDGATE_TRANSCODER_PORT: port.default(8083),
  VIDGATE_TRANSCODER_URL: url.optional(),
  VIDGATE_TRANSCODER_CONCURRENCY: whole.pipe(z.number().int().min(1).max(16)).default(1),
  VIDGATE_TRANSCODER_WORK_DIR: z.string().optional(),
  VIDGATE_TRANSCODE_TIMEOUT: seconds.default(3_600),
  VIDGATE_FAILED_UPLOADS: z.enum(['keep', 'delete']).default('keep'),
  VIDGATE_WEBHOOK_TOKEN: z.string().min(MIN_KEY_BYTES).regex(/^[A-Za-z0-9._~+/=-]+$/),
  VIDGATE_UPLOAD_MAX_BYTES: whole.pipe(z.number().int().positive()).default(10 * 1024 ** 3),
  VIDGATE_UPLOAD_MULTIPART_THRESHOLD: whole.pipe(z.number().int().positive()).default(64 * 1024 ** 2),
  VIDGATE_UPLOAD_PART_SIZE: whole.pipe(z.number().int().min(5 * 1024 ** 2).max(5 * 1024 ** 3)).default(16 * 1024 ** 2),
  VIDGATE_UPLOAD_URL_TTL: whole.pipe(z.number().int().positive().max(7 * 86_400)).default(21_600),
  VIDGATE_UPLOAD_CONTENT_TYPES: z.string().default('video/mp4,video/quicktime,video/webm,video/x-matroska,video/mpeg,video/x-msvideo,video/mp2t,video/3gpp'),
  VIDGATE_CORS_ORIGINS: z.string().regex(/^(https?:\/\/[A-Za-z0-9.:-]+)?(,\s*https?:\/\/[A-Za-z0-9.:-]+)*$/, 'must be a comma-separated list of origins like https://app.example.com').default(''),
  VIDGATE_SIGN_MODE: z.enum(['hmac', 'md5']).default('hmac'),
  VIDGATE_SIGNING_KEYS: keyRing,
  VIDGATE_SIGNING_KEY_ID: z.string().regex(KID).optional(),
  VIDGATE_SIGN_DEFAULT_TTL: seconds.default(300),
  VIDGATE_SIGN_MAX_TTL: seconds.default(86_400),
  VIDGATE_PLAYBACK_MASTER_TTL: seconds.default(300),
  VIDGATE_PLAYBACK_GRACE: seconds.default(1_800),
  VIDGATE_PLAYBACK_MAX_TTL: seconds.default(21_600),
  VIDGATE_ANONYMOUS_PUBLIC: bool.default(false),
  VIDGATE_DEMO_LOGIN: bool.optional(),
  VIDGATE_CACHE_TTL: seconds.default(30),
  VIDGATE_CACHE_MAX_KEYS: seconds.default(10_000),
  VIDGATE_JWT_SECRET: z.string().min(MIN_KEY_BYTES),
  VIDGATE_JWT_ISSUER: z.string().min(1).default('vidgate'),
  VIDGATE_JWT_AUDIENCE: z.string().min(1).default('vidgate-api'),
});

type Env = Record<string, string | undefined>;

function withSecretFiles(env: Env): Env {
  const out: Env = { ...env };
  for (const name of Object.keys(env)) {
    if (!name.startsWith('VIDGATE_') || !name.endsWith('_FILE')) continue;
    const target = name.slice(0, -'_FILE'.length);
    if (env[target] !== undefined) throw new ConfigError(`${target} and ${name} are both set; use one`);
    try {
      out[target] = readFileSync(env[name]!, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${name}: cannot read ${env[name]}: ${(err as Error).message}`);
    }
  }
  return out;
}

export class ConfigError extends Error {}

export function loadConfig(env: Env = process.env) {
  const raw = withSecretFiles(env);
  const production = raw.VIDGATE_ENV === 'production';
  for (const name of SECRET_NAMES) {
    if (raw[name] === undefined && !production) raw[name] = DEV_SECRETS[name];
    else if (production && raw[name]?.startsWith('CHANGE_ME')) throw new ConfigError(`${name} still holds a CHANGE_ME placeholder; set a real secret (or ${name}_FILE) in production`);
    else if (production && raw[name] === DEV_SECRETS[name]) {
      throw new ConfigError(`${name} holds the development default; set a real secret (or ${name}_FILE) in production`);
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (production && [...e.VIDGATE_SIGNING_KEYS.values()].includes(DEV_SIGNING_KEY)) {
    throw new ConfigError('VIDGATE_SIGNING_KEYS contains the development key; refusing to start in production');
  }
  const activeKid = e.VIDGATE_SIGNING_KEY_ID ?? [...e.VIDGATE_SIGNING_KEYS.keys()][0]!;
  if (!e.VIDGATE_SIGNING_KEYS.has(activeKid)) {
    throw new ConfigError(`VIDGATE_SIGNING_KEY_ID "${activeKid}" is not one of VIDGATE_SIGNING_KEYS`);
  }
  if (e.VIDGATE_SIGN_DEFAULT_TTL > e.VIDGATE_SIGN_MAX_TTL) {
    throw new ConfigError('VIDGATE_SIGN_DEFAULT_TTL must not exceed VIDGATE_SIGN_MAX_TTL');
  }
  if (e.VIDGATE_PLAYBACK_MASTER_TTL > e.VIDGATE_PLAYBACK_MAX_TTL) {
    throw new ConfigError('VIDGATE_PLAYBACK_MASTER_TTL must not exceed VIDGATE_PLAYBACK_MAX_TTL');
  }
  if (production && !e.VIDGATE_PUBLIC_URL) {
    throw new ConfigError('VIDGATE_PUBLIC_URL is required in production: signed and upload URLs are made for it');
  }
  const demoLogin = e.VIDGATE_DEMO_LOGIN ?? !production;
  if (production && demoLogin) throw new ConfigError('VIDGATE_DEMO_LOGIN hands out tokens to anyone; it cannot be enabled in production');
  const host = e.VIDGATE_BIND_HOST;
  return Object.freeze({
    env: e.VIDGATE_ENV,
    logLevel: e.VIDGATE_LOG_LEVEL,
    dataDir: e.VIDGATE_DATA_DIR,
    bindHost: host,
    ports: Object.freeze({ origin: e.VIDGATE_ORIGIN_PORT, auth: e.VIDGATE_AUTH_PORT, collector: e.VIDGATE_COLLECTOR_PORT, minio: e.VIDGATE_MINIO_PORT, minioConsole: e.VIDGATE_MINIO_CONSOLE_PORT }),
    publicUrl: e.VIDGATE_PUBLIC_URL ?? `http://localhost:${e.VIDGATE_ORIGIN_PORT}`,
    authUpstream: e.VIDGATE_AUTH_UPSTREAM ?? `${host}:${e.VIDGATE_AUTH_PORT}`,
    minio: Object.freeze({
      endpoint: e.VIDGATE_MINIO_ENDPOINT ?? `http://${host}:${e.VIDGATE_MINIO_PORT}`,
      region: e.VIDGATE_MINIO_REGION,
      bucket: e.VIDGATE_BUCKET,
      root: Object.freeze({ accessKey: e.VIDGATE_MINIO_ROOT_USER, secretKey: e.VIDGATE_MINIO_ROOT_PASSWORD }),
      nginx: Object.freeze({ accessKey: e.VIDGATE_NGINX_S3_ACCESS_KEY, secretKey: e.VIDGATE_NGINX_S3_SECRET }),
      auth: Object.freeze({ accessKey: e.VIDGATE_AUTH_S3_ACCESS_KEY, secretKey: e.VIDGATE_AUTH_S3_SECRET }),
      transcoder: Object.freeze({ accessKey: e.VIDGATE_TRANSCODER_S3_ACCESS_KEY, secretKey: e.VIDGATE_TRANSCODER_S3_SECRET }),
    }),
    uploads: Object.freeze({
      maxBytes: e.VIDGATE_UPLOAD_MAX_BYTES,
      multipartThreshold: e.VIDGATE_UPLOAD_MULTIPART_THRESHOLD,
      partSize: e.VIDGATE_UPLOAD_PART_SIZE,
      urlTtl: e.VIDGATE_UPLOAD_URL_TTL,
      contentTypes: Object.freeze(e.VIDGATE_UPLOAD_CONTENT_TYPES.split(',').map((t) => t.trim()).filter(Boolean)),
      corsOrigins: Object.freeze(e.VIDGATE_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean)),
    }),
    transcoder: Object.freeze({
      url: e.VIDGATE_TRANSCODER_URL ?? `http://${host}:${e.VIDGATE_TRANSCODER_PORT}`,
      port: e.VIDGATE_TRANSCODER_PORT,
      concurrency: e.VIDGATE_TRANSCODER_CONCURRENCY,
      workDir: e.VIDGATE_TRANSCODER_WORK_DIR,
      timeoutSeconds: e.VIDGATE_TRANSCODE_TIMEOUT,
      failedUploads: e.VIDGATE_FAILED_UPLOADS,
      webhookToken: e.VIDGATE_WEBHOOK_TOKEN,
    }),
    signing: Object.freeze({
      mode: e.VIDGATE_SIGN_MODE,
      keys: e.VIDGATE_SIGNING_KEYS,
      activeKid,
      defaultTtl: e.VIDGATE_SIGN_DEFAULT_TTL,
      maxTtl: e.VIDGATE_SIGN_MAX_TTL,
    }),
    playback: Object.freeze({
      masterTtl: e.VIDGATE_PLAYBACK_MASTER_TTL,
      grace: e.VIDGATE_PLAYBACK_GRACE,
      maxTtl: e.VIDGATE_PLAYBACK_MAX_TTL,
      anonymousPublic: e.VIDGATE_ANONYMOUS_PUBLIC,
      demoLogin,
    }),
    cache: Object.freeze({ ttlSeconds: e.VIDGATE_CACHE_TTL, maxKeys: e.VIDGATE_CACHE_MAX_KEYS }),
    jwt: Object.freeze({ secret: e.VIDGATE_JWT_SECRET, issuer: e.VIDGATE_JWT_ISSUER, audience: e.VIDGATE_JWT_AUDIENCE }),
  });
}

export type Config = ReturnType<typeof loadConfig>;

/**
 * For a process's entry point: the parsed config, or a one-line message naming
 * the problem and exit code 2 (a usage error, not a crash).
 */
export function configOrExit<T>(program: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${program}: ${err.message}`);
    process.exit(2);
  }
}
