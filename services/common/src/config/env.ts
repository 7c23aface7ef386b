import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * How every process reads its settings: each one declares the variables it
 * uses (a zod shape built from the sections in ./sections.ts) and parses them
 * once at start-up with parseEnv. A variable outside that shape is never read,
 * so a container holds only what its process needs. Secrets may come from
 * NAME_FILE; development generates the unset ones, production refuses them and
 * CHANGE_ME placeholders.
 */
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

/** Whole numbers written as plain digits: no "1e3", "0x1F90" or " 8080 ". */
export const whole = z.string().regex(/^[0-9]+$/, 'must be a whole number written in digits').transform(Number);
export const port = whole.pipe(z.number().int().min(1).max(65535));
export const seconds = whole.pipe(z.number().int().positive());
export const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
export const url = z.string().url().transform((u) => u.replace(/\/+$/, ''));

/**
 * Every secret a process may read, and how a development stack makes one when
 * it is unset: 24 random bytes as base64url (32 characters, within what MinIO
 * accepts for a secret key), written once to VIDGATE_DEV_SECRETS_DIR (default
 * .vidgate/secrets in the checkout; folder 0700, files 0600) and shared by
 * every process of the checkout. Production generates nothing: an unset secret
 * is an error there.
 */
const randomText = () => randomBytes(24).toString('base64url');
const SECRETS = {
  VIDGATE_SIGNING_KEYS: () => `dev:${randomText()}`,
  VIDGATE_JWT_SECRET: randomText,
  VIDGATE_MINIO_ROOT_PASSWORD: randomText,
  VIDGATE_NGINX_S3_SECRET: randomText,
  VIDGATE_AUTH_S3_SECRET: randomText,
  VIDGATE_TRANSCODER_S3_SECRET: randomText,
  VIDGATE_WEBHOOK_TOKEN: randomText,
  VIDGATE_DB_PASSWORD: randomText,
  VIDGATE_DB_ADMIN_PASSWORD: randomText,
} as const;
export type SecretName = keyof typeof SECRETS;
export const SECRET_NAMES = Object.keys(SECRETS) as SecretName[];
const isSecret = (name: string): name is SecretName => Object.hasOwn(SECRETS, name);

const CHECKOUT_SECRETS = fileURLToPath(new URL('../../../../.vidgate/secrets', import.meta.url));
export const devSecretsDir = (env: Env) => resolve(env.VIDGATE_DEV_SECRETS_DIR ?? CHECKOUT_SECRETS);

/**
 * The development value of a secret, made on first use. Written under a
 * temporary name and linked into place, so processes starting at once all read
 * the one value that won, never a half-written file.
 */
function devSecret(env: Env, name: SecretName): string {
  const dir = devSecretsDir(env);
  const file = join(dir, name);
  if (!existsSync(file)) {
    // Only the secrets folder is private: its parents (.vidgate/ holds nginx's pages and cache too) keep the usual mode.
    mkdirSync(dirname(dir), { recursive: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${randomText()}`;
    writeFileSync(temporary, `${SECRETS[name]()}\n`, { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(temporary);
    }
  }
  return readFileSync(file, 'utf8').trim();
}

/** An address only this machine reaches: where a process holding generated development secrets may listen. */
export const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127(\.[0-9]{1,3}){3}$/.test(host);

function readSecretFile(env: Env, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file === undefined) return env[name];
  if (env[name] !== undefined) throw new ConfigError(`${name} and ${name}_FILE are both set; use one`);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The variables a shape reads, secrets with their _FILE form: what a container may be given. */
export function variablesOf(shape: z.ZodRawShape): string[] {
  return Object.keys(shape).flatMap((name) => (isSecret(name) ? [name, `${name}_FILE`] : [name]));
}

/**
 * Parses the variables of `shape` from `env`: secrets from NAME or NAME_FILE,
 * generated in development (and then only on a loopback address) and refused
 * when missing or a placeholder in production. Errors name every variable at fault.
 */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: Env): z.infer<z.ZodObject<S>> {
  const production = env.VIDGATE_ENV === 'production';
  const raw: Env = {};
  const generated: SecretName[] = [];
  for (const name of Object.keys(shape)) {
    if (!isSecret(name)) {
      raw[name] = env[name];
      continue;
    }
    const value = readSecretFile(env, name);
    if (value === undefined && !production) {
      raw[name] = devSecret(env, name);
      generated.push(name);
    } else if (production && value?.startsWith('CHANGE_ME')) throw new ConfigError(`${name} still holds a CHANGE_ME placeholder; set a real secret (or ${name}_FILE) in production`);
    else raw[name] = value;
  }
  const host = env.VIDGATE_BIND_HOST ?? '127.0.0.1';
  if (generated.length > 0 && !isLoopback(host)) {
    throw new ConfigError(`VIDGATE_BIND_HOST=${host} is reachable from other machines, and ${generated.join(', ')} ${generated.length > 1 ? 'are' : 'is'} a generated development secret: set real secrets (or NAME_FILE) and VIDGATE_ENV=production, or listen on 127.0.0.1`);
  }
  const parsed = z.object(shape).safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

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
