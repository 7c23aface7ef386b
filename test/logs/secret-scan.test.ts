import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devSecretsDir } from '@vidgate/common/config/env';
import { stackPaths } from '../../services/stack/src/paths.ts';
import { loadConfig, type Config } from '../../services/stack/src/stack-config.ts';
import { containerStackEnv, hostDataDir, ONE_HOST_DIR, SCALE_OUT_DIR } from '../support/containers.ts';
import { testConfig } from '../support/test-stack.ts';

// Runs after the whole suite (test/run.sh, last phase): every log the stacks
// wrote while the suite attacked them (nginx's access and error logs, each
// service's, MinIO's, every compose container's output) holds no signature,
// presigned credential, token or key. A hit names the file, the line and the
// kind of secret, never the secret.
const PATTERNS: [kind: string, pattern: RegExp][] = [
  ['signed URL signature (sig=)', /[?&]sig=[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/],
  ['md5 URL token (md5=)', /[?&]md5=[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])/],
  ['presigned S3 signature', /X-Amz-Signature=[0-9a-f]{64}/i],
  ['presigned S3 credential', /X-Amz-Credential=[A-Za-z0-9]{3,}/i],
  ['S3 session token', /X-Amz-Security-Token=[A-Za-z0-9%]{20,}/i],
  ['SigV4 Authorization header', /AWS4-HMAC-SHA256 Credential=[A-Za-z0-9]{3,}\/\d{8}/],
  ['JSON Web Token', /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/],
  ['bearer token', /Bearer\s+[A-Za-z0-9._-]{20,}/],
];

/** The secrets of a stack's configuration, by name: signing keys, JWT secret, MinIO users, webhook token. */
function secretsOf(config: Config): [string, string][] {
  return [
    ...[...config.signing.keys].map(([kid, key]): [string, string] => [`signing key ${kid}`, key]),
    ['JWT secret', config.jwt.secret],
    ...(['root', 'nginx', 'auth', 'transcoder'] as const).map((user): [string, string] => [`MinIO ${user} secret`, config.minio[user].secretKey]),
  ];
}

interface Stack {
  name: string;
  dirs: string[];
  secrets: [string, string][];
}

const compose = (name: string, dir: string): Stack | undefined => {
  const paths = stackPaths(hostDataDir(dir));
  if (!existsSync(join(paths.logs, 'compose.log'))) return undefined;
  const env = containerStackEnv(dir);
  const webhook = readFileSync(join(dir, 'secrets/webhook_token'), 'utf8').trim();
  return { name, dirs: [paths.logs, paths.nginxLogs], secrets: [...secretsOf(loadConfig({ ...env })), ['webhook token', webhook]] };
};

const local = stackPaths(testConfig.dataDir);
const devWebhook = join(devSecretsDir(process.env), 'VIDGATE_WEBHOOK_TOKEN');
const STACKS: Stack[] = [
  {
    name: 'local stack',
    dirs: [local.logs, local.nginxLogs],
    secrets: [...secretsOf(testConfig), ...(existsSync(devWebhook) ? [['webhook token', readFileSync(devWebhook, 'utf8').trim()] as [string, string]] : [])],
  },
  ...[compose('compose, one host', ONE_HOST_DIR), compose('compose, scale-out', SCALE_OUT_DIR)].filter((s): s is Stack => s !== undefined),
];
const COMPOSE_STACKS = ['compose, one host', 'compose, scale-out'];

const filesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()) : []);

describe('every log the stacks wrote during the suite', () => {
  it('exists: the local stack wrote its access log, its error log and each service\'s log', () => {
    const names = [local.logs, local.nginxLogs].flatMap(filesIn).map((f) => f.split('/').pop());
    expect(names).toEqual(expect.arrayContaining(['access.log', 'error.log', 'auth.log', 'transcoder.log', 'collector.log', 'minio.log']));
    expect(statSync(join(local.nginxLogs, 'access.log')).size).toBeGreaterThan(100_000);
  });

  it('exists for each compose stack too (its teardown saved `docker compose logs`): none goes unscanned', () => {
    expect(STACKS.map((s) => s.name)).toEqual(['local stack', ...COMPOSE_STACKS]);
    for (const stack of STACKS) expect(stack.secrets.length, stack.name).toBeGreaterThan(5);
  });

  it.each(STACKS.map((s) => [s.name, s] as const))('%s: no signature, presigned credential, token or key', (_name, stack) => {
    const hits: string[] = [];
    let bytes = 0;
    for (const file of stack.dirs.flatMap(filesIn)) {
      const text = readFileSync(file, 'utf8');
      bytes += text.length;
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        for (const [kind, pattern] of PATTERNS) if (pattern.test(line)) hits.push(`${file}:${i + 1}: ${kind}`);
        for (const [kind, secret] of stack.secrets) if (secret.length >= 8 && line.includes(secret)) hits.push(`${file}:${i + 1}: ${kind}`);
      });
    }
    console.log(`[log scan] ${stack.name}: ${(bytes / 1e6).toFixed(1)} MB in ${stack.dirs.flatMap(filesIn).length} files, ${stack.secrets.length} secrets and ${PATTERNS.length} patterns, ${hits.length} hits`);
    expect(bytes).toBeGreaterThan(0);
    expect(hits.slice(0, 50)).toEqual([]);
  });
});
