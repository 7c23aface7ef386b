import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * How every process reads its settings: each one declares the variables it
 * uses (a zod shape built from the sections in ./sections.ts) and parses them
 * once at start-up with parseEnv. A variable outside that shape is never read,
 * so a container holds only what its process needs. Secrets may come from
 * NAME_FILE; production refuses development defaults and CHANGE_ME placeholders.
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
 * The development value of each secret, used only when VIDGATE_ENV is
 * development and the secret is unset; production refuses every one of them.
 */
export const DEV_SIGNING_KEY = 'dev-signing-key-not-for-production-0000000';
export const DEV_SECRETS = {
  VIDGATE_SIGNING_KEYS: `dev1:${DEV_SIGNING_KEY}`,
  VIDGATE_JWT_SECRET: 'dev-jwt-secret-not-for-production-000000000000',
  VIDGATE_MINIO_ROOT_PASSWORD: 'dev-minio-root-password',
  VIDGATE_NGINX_S3_SECRET: 'dev-nginx-s3-secret-key',
  VIDGATE_AUTH_S3_SECRET: 'dev-auth-s3-secret-key',
  VIDGATE_TRANSCODER_S3_SECRET: 'dev-transcoder-s3-secret-key',
  VIDGATE_WEBHOOK_TOKEN: 'dev-webhook-token-not-for-production-0000',
} as const;
export type SecretName = keyof typeof DEV_SECRETS;
const isSecret = (name: string): name is SecretName => Object.hasOwn(DEV_SECRETS, name);

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
 * with their development value in development and refused defaults or
 * placeholders in production. Errors name every variable at fault.
 */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: Env): z.infer<z.ZodObject<S>> {
  const production = env.VIDGATE_ENV === 'production';
  const raw: Env = {};
  for (const name of Object.keys(shape)) {
    if (!isSecret(name)) {
      raw[name] = env[name];
      continue;
    }
    const value = readSecretFile(env, name);
    if (value === undefined) raw[name] = production ? undefined : DEV_SECRETS[name];
    else if (production && value.startsWith('CHANGE_ME')) throw new ConfigError(`${name} still holds a CHANGE_ME placeholder; set a real secret (or ${name}_FILE) in production`);
    else if (production && value === DEV_SECRETS[name]) throw new ConfigError(`${name} holds the development default; set a real secret (or ${name}_FILE) in production`);
    else raw[name] = value;
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
