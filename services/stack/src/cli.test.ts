import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it, type ExpectStatic } from 'vitest';
import { verifyToken } from '@vidgate/auth/jwt';
import { loadConfig } from './stack-config.ts';
import { createUrlSigner } from '@vidgate/common/url-signer';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TEST_ENV = {
  VIDGATE_SIGNING_KEYS: 'k1:cli-test-signing-key-0123456789abcdefghij',
  VIDGATE_JWT_SECRET: 'cli-test-jwt-secret-0123456789abcdefghijklm',
  VIDGATE_PUBLIC_URL: 'https://media.example.test',
  VIDGATE_SIGN_MAX_TTL: '3600',
};
const config = loadConfig(TEST_ENV);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as an operator would, with only the test VIDGATE_* environment. */
function vidgate(args: string[], env: Record<string, string> = TEST_ENV): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['services/stack/bin/vidgate.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function expectUsageError(expect: ExpectStatic, run: Run, message: RegExp) {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toContain('usage:');
}

// Each run starts node and tsx (~0.5 s), so the runs go concurrently, each with its own expect.
describe.concurrent('vidgate CLI', { timeout: 30_000 }, () => {
  it('sign prints one URL that verifies with the same config', async ({ expect }) => {
    const before = Math.floor(Date.now() / 1000);
    const run = await vidgate(['sign', 'demo/x.ts', '--ttl', '60']);
    const after = Math.floor(Date.now() / 1000);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const url = lines[0]!;
    expect(url.startsWith(`${config.publicUrl}/media/demo/x.ts?`)).toBe(true);
    const [path, query] = url.slice(config.publicUrl.length).split('?') as [string, string];
    const verdict = createUrlSigner(config.signing).verify(path, query);
    expect(verdict).toMatchObject({ ok: true, kid: 'k1' });
    if (verdict.ok) expect(verdict.exp - before).toBeGreaterThanOrEqual(60);
    if (verdict.ok) expect(verdict.exp - after).toBeLessThanOrEqual(60);
  });

  it('warns on stderr about a misspelt setting, which changes nothing', async ({ expect }) => {
    const run = await vidgate(['sign', 'demo/x.ts'], { ...TEST_ENV, VIDGATE_SIGNMODE: 'md5' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('vidgate: warning: VIDGATE_SIGNMODE is not a setting any Vidgate process reads; did you mean VIDGATE_SIGN_MODE?\n');
    expect(run.stdout).toMatch(/[?&]sig=/);
  });

  it('sign mints md5 URLs when VIDGATE_SIGN_MODE=md5', async ({ expect }) => {
    const env = { ...TEST_ENV, VIDGATE_SIGN_MODE: 'md5' };
    const run = await vidgate(['sign', 'demo/x.ts'], env);
    expect(run.code, run.stderr).toBe(0);
    const [path, query] = run.stdout.trim().slice(config.publicUrl.length).split('?') as [string, string];
    expect(query).toMatch(/^md5=[A-Za-z0-9_-]{22}&expires=\d+&kid=k1$/);
    expect(createUrlSigner(loadConfig(env).signing).verify(path, query)).toMatchObject({ ok: true });
  });

  it.for<[string[], RegExp]>([
    [['sign', '../x'], /object key has a "\." or "\.\." segment/],
    [['sign', 'a//b'], /object key has an empty segment/],
    [['sign'], /sign needs an object key/],
    [['sign', 'demo/x.ts', '--ttl', '0'], /--ttl must be a positive whole number/],
    [['sign', 'demo/x.ts', '--ttl', '1.5'], /--ttl must be a positive whole number/],
    [['sign', 'demo/x.ts', '--ttl', '3601'], /--ttl must be at most 3600/],
  ])('%j exits 2 with a message', async ([args, message], { expect }) => {
    expectUsageError(expect, await vidgate(args), message);
  });

  it('token prints a JWT that verifyToken accepts with the given role', async ({ expect }) => {
    const run = await vidgate(['token', '--sub', 'ops', '--role', 'admin']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(verifyToken(config.jwt, run.stdout.trim())).toEqual({ sub: 'ops', role: 'admin', premium: false, groups: [] });
  });

  it('token defaults to the user role and honours --premium', async ({ expect }) => {
    const run = await vidgate(['token', '--sub', 'alice', '--premium']);
    expect(run.code, run.stderr).toBe(0);
    expect(verifyToken(config.jwt, run.stdout.trim())).toEqual({ sub: 'alice', role: 'user', premium: true, groups: [] });
  });

  it.for<[string[], RegExp]>([
    [['token'], /token needs --sub NAME/],
    [['token', '--sub', 'ops', '--role', 'root'], /--role must be admin or user/],
    [['token', '--sub', 'ops', '--ttl', 'soon'], /--ttl must be a positive whole number/],
    [['token', '--sub', 'ops', '--bogus'], /Unknown option '--bogus'/],
  ])('%j exits 2 with a message', async ([args, message], { expect }) => {
    expectUsageError(expect, await vidgate(args), message);
  });

  it('key --kid k9 prints a fresh 32-byte key entry that the config accepts', async ({ expect }) => {
    const [first, second] = await Promise.all([vidgate(['key', '--kid', 'k9']), vidgate(['key', '--kid', 'k9'])]);
    for (const run of [first!, second!]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^k9:[A-Za-z0-9_-]{43}\n$/);
    }
    expect(first!.stdout).not.toBe(second!.stdout);
    const entry = first!.stdout.trim();
    expect(loadConfig({ VIDGATE_SIGNING_KEYS: entry }).signing.keys.get('k9')).toBe(entry.slice(3));
  });

  it('key without --kid names the key after the date and needs no configuration', async ({ expect }) => {
    const run = await vidgate(['key'], {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^k\d{8}:[A-Za-z0-9_-]{43}\n$/);
  });

  it('key refuses a kid that VIDGATE_SIGNING_KEYS would refuse', async ({ expect }) => {
    expectUsageError(expect, await vidgate(['key', '--kid', 'bad kid']), /--kid must match/);
  });

  it('an unknown command exits 2 with the usage', async ({ expect }) => {
    expectUsageError(expect, await vidgate(['frobnicate']), /unknown command "frobnicate"/);
    expectUsageError(expect, await vidgate([]), /a command is required/);
  });

  it('help prints the usage on stdout and exits 0', async ({ expect }) => {
    const run = await vidgate(['help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage:/);
  });

  it('a bad configuration exits 2 naming the variable, without the usage that would bury it', async ({ expect }) => {
    const run = await vidgate(['sign', 'demo/x.ts'], { ...TEST_ENV, VIDGATE_SIGNING_KEYS: 'k1:short' });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/VIDGATE_SIGNING_KEYS: key "k1" is shorter than 32 bytes/);
    expect(run.stderr).not.toContain('usage:');
  });
});
