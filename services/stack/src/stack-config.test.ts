import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, SECRET_NAMES } from '@vidgate/common/config/env';
import { loadConfig } from './stack-config.ts';

const KEY_A = 'a'.repeat(32);
const KEY_B = 'B0123456789-abcdefghijklmnopqrstuvwxyz_';

/** A complete production environment with real (non-default) secrets. */
const PRODUCTION = {
  VIDGATE_ENV: 'production',
  VIDGATE_SIGNING_KEYS: `k1:${KEY_A},k2:${KEY_B}`,
  VIDGATE_JWT_SECRET: 'prod-jwt-secret-0123456789abcdefghijklmnop',
  VIDGATE_MINIO_ROOT_PASSWORD: 'prod-minio-root-password',
  VIDGATE_NGINX_S3_SECRET: 'prod-nginx-s3-secret',
  VIDGATE_AUTH_S3_SECRET: 'prod-auth-s3-secret',
  VIDGATE_TRANSCODER_S3_SECRET: 'prod-transcoder-s3-secret',
  VIDGATE_PUBLIC_URL: 'https://video.example.com',
  VIDGATE_WEBHOOK_TOKEN: 'prod-webhook-token-0123456789abcdefghijklmn',
  VIDGATE_DB_PASSWORD: 'prod-db-password-0123456789',
  VIDGATE_DB_ADMIN_PASSWORD: 'prod-db-admin-password-0123456789',
};

function configError(env: Record<string, string | undefined>): string {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
}

const dir = mkdtempSync(join(tmpdir(), 'vidgate-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** The stack's config; secrets generated in development go to the test's own folder, never the checkout's. */
const load = (env: Record<string, string | undefined>) => loadConfig({ VIDGATE_DEV_SECRETS_DIR: join(dir, 'dev-secrets'), ...env });
/** A development environment whose generated secrets go to a folder of the test's own. */
let devDirs = 0;
const development = (env: Record<string, string | undefined> = {}) => ({ VIDGATE_DEV_SECRETS_DIR: join(dir, `dev-secrets-${++devDirs}`), ...env });
function secretFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig in development', () => {
  it('starts from nothing with the documented defaults and secrets of its own', () => {
    const env = development();
    const config = load(env);
    expect(config).toMatchObject({
      env: 'development',
      logLevel: 'info',
      dataDir: '.vidgate',
      bindHost: '127.0.0.1',
      ports: { origin: 8080, auth: 8081, minio: 9000, minioConsole: 9001 },
      publicUrl: 'http://localhost:8080',
      authUpstream: '127.0.0.1:8081',
      minio: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'vidgate-media', root: { accessKey: 'vidgate-root' }, nginx: { accessKey: 'vidgate-nginx' }, auth: { accessKey: 'vidgate-auth' } },
      signing: { mode: 'hmac', activeKid: 'dev', defaultTtl: 300, maxTtl: 86_400 },
      jwt: { issuer: 'vidgate', audience: 'vidgate-api' },
    });
    const secrets = [config.minio.root.secretKey, config.minio.nginx.secretKey, config.minio.auth.secretKey, config.minio.transcoder.secretKey, config.jwt.secret, config.signing.keys.get('dev')];
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('writes each generated secret once, readable by its owner only, and reads it back on every later start', () => {
    const env = development();
    const first = load(env);
    const folder = env.VIDGATE_DEV_SECRETS_DIR;
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(readdirSync(folder).sort()).toEqual([...SECRET_NAMES].sort());
    for (const name of SECRET_NAMES) expect(statSync(join(folder, name)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(folder, 'VIDGATE_JWT_SECRET'), 'utf8').trim()).toBe(first.jwt.secret);
    const again = load(env);
    expect(again.jwt.secret).toBe(first.jwt.secret);
    expect(again.minio.root.secretKey).toBe(first.minio.root.secretKey);
    expect(load(development()).jwt.secret).not.toBe(first.jwt.secret);
  });

  it('makes only the secrets folder private: folders it creates above it keep the usual mode (nginx reads pages and its cache there)', () => {
    const parent = join(dir, `fresh-checkout-${++devDirs}`, '.vidgate');
    load({ VIDGATE_DEV_SECRETS_DIR: join(parent, 'secrets') });
    expect(statSync(join(parent, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(parent).mode & 0o005).toBe(0o005); // others may enter and read
  });

  it('refuses to listen beyond this machine with a generated secret, naming the secrets, and allows it once they are set', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'video.example.com']) {
      expect(configError(development({ VIDGATE_BIND_HOST: host }))).toMatch(new RegExp(`^VIDGATE_BIND_HOST=${host} is reachable from other machines, and .*VIDGATE_JWT_SECRET.* generated development secret`));
    }
    for (const host of ['127.0.0.1', '127.0.0.53', '::1', 'localhost']) expect(load(development({ VIDGATE_BIND_HOST: host })).bindHost).toBe(host);
    const { VIDGATE_ENV: _production, VIDGATE_PUBLIC_URL: _url, ...secrets } = PRODUCTION;
    expect(load(development({ ...secrets, VIDGATE_BIND_HOST: '0.0.0.0' })).bindHost).toBe('0.0.0.0');
    const { VIDGATE_WEBHOOK_TOKEN: _token, ...oneMissing } = secrets;
    expect(configError(development({ ...oneMissing, VIDGATE_BIND_HOST: '0.0.0.0' }))).toMatch(/and VIDGATE_WEBHOOK_TOKEN is a generated development secret/);
  });

  it('derives URLs from the ports and strips a trailing slash from the public URL', () => {
    expect(load({ VIDGATE_ORIGIN_PORT: '18080', VIDGATE_MINIO_PORT: '19000' })).toMatchObject({ publicUrl: 'http://localhost:18080', minio: { endpoint: 'http://127.0.0.1:19000' } });
    expect(load({ VIDGATE_PUBLIC_URL: 'https://media.example.test/' }).publicUrl).toBe('https://media.example.test');
  });

  it('takes the first key as active unless VIDGATE_SIGNING_KEY_ID names another', () => {
    expect(load({ VIDGATE_SIGNING_KEYS: `k1:${KEY_A}, k2:${KEY_B}` }).signing.activeKid).toBe('k1');
    const config = load({ VIDGATE_SIGNING_KEYS: `k1:${KEY_A},k2:${KEY_B}`, VIDGATE_SIGNING_KEY_ID: 'k2' });
    expect(config.signing.activeKid).toBe('k2');
    expect(config.signing.keys.get('k2')).toBe(KEY_B);
  });

  it('returns a frozen object, nested parts included', () => {
    const config = load(development());
    for (const part of [config, config.ports, config.minio, config.minio.root, config.minio.nginx, config.minio.auth, config.signing, config.jwt]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (config as { publicUrl: string }).publicUrl = 'https://evil.example';
    }).toThrow(TypeError);
    expect(() => {
      (config.jwt as { secret: string }).secret = 'x';
    }).toThrow(TypeError);
  });
});

describe('loadConfig in production', () => {
  it('accepts real secrets', () => {
    const config = load(PRODUCTION);
    expect(config.env).toBe('production');
    expect(config.jwt.secret).toBe(PRODUCTION.VIDGATE_JWT_SECRET);
    expect(config.minio.auth.secretKey).toBe('prod-auth-s3-secret');
  });

  it.each(SECRET_NAMES)('refuses to run without %s, naming it, and generates nothing', (name) => {
    const env = development({ ...PRODUCTION, [name]: undefined });
    expect(configError(env)).toContain(name);
    expect(() => statSync(env.VIDGATE_DEV_SECRETS_DIR)).toThrow(/ENOENT/);
  });
});

describe('signing keys', () => {
  it('refuses a key shorter than 32 bytes, naming its key id', () => {
    const message = configError({ VIDGATE_SIGNING_KEYS: `k1:${KEY_A},short7:${'x'.repeat(31)}` });
    expect(message).toContain('VIDGATE_SIGNING_KEYS');
    expect(message).toContain('"short7"');
    expect(message).toContain('32 bytes');
    expect(load({ VIDGATE_SIGNING_KEYS: `k7:${'x'.repeat(32)}` }).signing.activeKid).toBe('k7');
  });

  it('refuses a key id listed twice', () => {
    expect(configError({ VIDGATE_SIGNING_KEYS: `k1:${KEY_A},k1:${KEY_B}` })).toMatch(/"k1" is listed twice/);
  });

  it('refuses a VIDGATE_SIGNING_KEY_ID that is not in the ring', () => {
    expect(configError({ VIDGATE_SIGNING_KEYS: `k1:${KEY_A}`, VIDGATE_SIGNING_KEY_ID: 'k9' })).toMatch(/VIDGATE_SIGNING_KEY_ID "k9" is not one of VIDGATE_SIGNING_KEYS/);
  });

  it.each([
    ['a bad key id', `bad kid:${KEY_A}`, /key id "bad kid"/],
    ['characters nginx config cannot hold', `k1:${KEY_A}$x`, /key "k1" may only use/],
    ['an empty ring', ' , ', /at least one signing key/],
  ])('refuses %s', (_what, keys, pattern) => {
    expect(configError({ VIDGATE_SIGNING_KEYS: keys })).toMatch(pattern);
  });

  it('refuses a bare key without a key id and does not echo the key', () => {
    const bare = 'ThisIsABareSecretKeyWithoutAKid0123456789';
    const message = configError({ VIDGATE_SIGNING_KEYS: bare });
    expect(message).toContain('VIDGATE_SIGNING_KEYS');
    expect(message).not.toContain(bare.slice(0, 16));
  });

  it('refuses a JWT secret shorter than 32 characters', () => {
    expect(configError({ VIDGATE_JWT_SECRET: 'x'.repeat(31) })).toContain('VIDGATE_JWT_SECRET');
  });
});

describe('numbers', () => {
  const PORTS = ['VIDGATE_ORIGIN_PORT', 'VIDGATE_AUTH_PORT', 'VIDGATE_MINIO_PORT', 'VIDGATE_MINIO_CONSOLE_PORT'];
  it.each(PORTS.flatMap((name) => ['80x', '0', '70000', '-1', '80.5', '', 'eighty'].map((value) => [name, value])))('refuses %s=%j, naming it', (name, value) => {
    expect(configError({ [name]: value })).toContain(name!);
  });

  it.each(['VIDGATE_SIGN_DEFAULT_TTL', 'VIDGATE_SIGN_MAX_TTL'])('refuses a malformed %s', (name) => {
    for (const value of ['60s', '0', '-5', '1.5', '']) expect(configError({ [name]: value }), value).toContain(name);
  });

  it('refuses a default ttl above the maximum', () => {
    expect(configError({ VIDGATE_SIGN_DEFAULT_TTL: '600', VIDGATE_SIGN_MAX_TTL: '60' })).toMatch(/VIDGATE_SIGN_DEFAULT_TTL must not exceed VIDGATE_SIGN_MAX_TTL/);
  });

  it.each([
    ['VIDGATE_ENV', 'prod'],
    ['VIDGATE_SIGN_MODE', 'sha1'],
    ['VIDGATE_LOG_LEVEL', 'verbose'],
    ['VIDGATE_PUBLIC_URL', 'not a url'],
    ['VIDGATE_BUCKET', 'Media_Bucket'],
  ])('refuses %s=%j, naming it', (name, value) => {
    expect(configError({ [name]: value })).toContain(name);
  });
});

describe('secrets from NAME_FILE', () => {
  it('reads the file and trims surrounding whitespace', () => {
    const config = load({
      VIDGATE_JWT_SECRET_FILE: secretFile('jwt', '  file-jwt-secret-0123456789abcdefghijklmnop\n'),
      VIDGATE_SIGNING_KEYS_FILE: secretFile('keys', `kf:${KEY_B}\n`),
      VIDGATE_AUTH_S3_SECRET_FILE: secretFile('s3', 'file-auth-s3-secret\r\n'),
    });
    expect(config.jwt.secret).toBe('file-jwt-secret-0123456789abcdefghijklmnop');
    expect(config.signing.keys.get('kf')).toBe(KEY_B);
    expect(config.minio.auth.secretKey).toBe('file-auth-s3-secret');
  });

  it('satisfies production with file secrets', () => {
    const { VIDGATE_JWT_SECRET, ...rest } = PRODUCTION;
    expect(load({ ...rest, VIDGATE_JWT_SECRET_FILE: secretFile('prod-jwt', VIDGATE_JWT_SECRET) }).jwt.secret).toBe(VIDGATE_JWT_SECRET);
  });

  it('refuses NAME and NAME_FILE together', () => {
    const message = configError({ VIDGATE_JWT_SECRET: PRODUCTION.VIDGATE_JWT_SECRET, VIDGATE_JWT_SECRET_FILE: secretFile('both', PRODUCTION.VIDGATE_JWT_SECRET) });
    expect(message).toContain('VIDGATE_JWT_SECRET and VIDGATE_JWT_SECRET_FILE are both set');
  });

  it('refuses a file it cannot read, naming the variable', () => {
    expect(configError({ VIDGATE_JWT_SECRET_FILE: join(dir, 'does-not-exist') })).toMatch(/^VIDGATE_JWT_SECRET_FILE: cannot read/);
  });
});

describe('placeholders', () => {
  it('refuses, in production only, any secret that starts with CHANGE_ME (as .env.example\'s do), naming it', () => {
    const placeholder = 'CHANGE_ME-generate-with-deploy-compose-make-secrets-sh';
    for (const name of SECRET_NAMES) {
      expect(configError({ ...PRODUCTION, [name]: placeholder })).toMatch(new RegExp(`^${name} still holds a CHANGE_ME placeholder`));
    }
    const { VIDGATE_SIGNING_KEYS, ...rest } = PRODUCTION;
    expect(configError({ ...rest, VIDGATE_SIGNING_KEYS_FILE: secretFile('placeholder-keys', `CHANGE_ME:${KEY_B}\n`) })).toContain('VIDGATE_SIGNING_KEYS still holds');
    expect(load({ VIDGATE_JWT_SECRET: placeholder }).jwt.secret).toBe(placeholder);
  });
});
