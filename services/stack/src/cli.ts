import { randomBytes } from 'node:crypto';
import { cp, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { issueToken } from '@vidgate/auth/jwt';
import { ConfigError, parseEnv } from '@vidgate/common/config/env';
import { CREDENTIALS, credentialsSection, DATABASE, DATABASE_ADMIN, databaseAdminSection, databaseSection, JWT, jwtSection, PUBLIC_URL, publicUrlOf, SIGNING, signingSection, STORAGE, storageSection } from '@vidgate/common/config/sections';
import { createPool } from '@vidgate/common/database/pool';
import { setUpDatabase } from '@vidgate/common/database/setup';
import { createMinioStore, minioClient } from '@vidgate/common/minio-store';
import { createVideoStore } from '@vidgate/common/video-store';
import { objectKeyProblem } from '@vidgate/common/object-key';
import { KID } from '@vidgate/common/signing';
import { createUrlSigner, nowSeconds } from '@vidgate/common/url-signer';
import { loadNginxConfig } from './nginx-config.ts';
import { importMetadata } from './import-metadata.ts';
import { auditCommand } from './audit-command.ts';
import { wrongPasswordHint } from './database-refusal.ts';
import { misspeltWarnings } from './misspelt-settings.ts';
import { NGINX_SRC, stackPaths } from './paths.ts';
import { renderNginx } from './render-nginx.ts';
import { prepareWebRoot } from './web-root.ts';

const USAGE = `usage:
  vidgate sign <objectKey> [--ttl SECONDS]     print a signed media URL for the configured stack
  vidgate token --sub NAME [--role admin|user] [--premium] [--ttl SECONDS]
                                               print a JWT signed with the configured key
  vidgate key [--kid ID]                       print a new random signing key entry (kid:key)
  vidgate db-setup                             create the database and the services' role if missing, set the
                                               role's password, apply pending migrations (as VIDGATE_DB_ADMIN_USER)
  vidgate import-metadata                      copy the videos of an install from before PostgreSQL (videos/<id>/meta.json
                                               in the bucket) into the database; those it has already are left alone
  vidgate audit [--user NAME] [--video ID] [--action ACTION] [--from ISO] [--to ISO] [--limit N]
                                               print the audit trail's events that match, newest first, one JSON
                                               object a line (default 100), as the services' role
  vidgate audit verify                         recompute the audit trail's hash chain: exit 0 "chain intact: N events",
                                               1 naming the first event that was changed or follows a removed one,
                                               3 when the database cannot answer
  vidgate audit prune                          remove events older than VIDGATE_AUDIT_RETENTION_DAYS (365), as
                                               VIDGATE_DB_ADMIN_USER; the rest stays verifiable
  vidgate render-nginx --out DIR [--mount DIR] [--run-dir DIR] [--log-dir DIR] [--cache-dir DIR] [--workers N] [--extra FILE]...
                                               render nginx's config, njs and pages into DIR/{conf,njs,web} for an
                                               nginx that sees DIR at --mount (default /etc/nginx/vidgate; containers)

Configuration comes from the same VIDGATE_* environment as the services (see README.md).`;

/** A configuration the command cannot use: the reason alone, without the usage (which would bury it). */
function refuse(message: string): never {
  console.error(`vidgate: ${message}`);
  process.exit(2);
}

function fail(message: string): never {
  console.error(`vidgate: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function positiveInt(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  if (!/^[1-9][0-9]*$/.test(text)) fail(`${name} must be a positive whole number of seconds`);
  return Number(text);
}

const [command, ...rest] = process.argv.slice(2);
let args;
try {
  args = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      ttl: { type: 'string' }, sub: { type: 'string' }, role: { type: 'string' }, premium: { type: 'boolean' }, kid: { type: 'string' },
      out: { type: 'string' }, mount: { type: 'string' }, 'run-dir': { type: 'string' }, 'log-dir': { type: 'string' }, 'cache-dir': { type: 'string' },
      workers: { type: 'string' }, extra: { type: 'string', multiple: true },
      user: { type: 'string' }, video: { type: 'string' }, action: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' },
    },
  });
} catch (err) {
  fail((err as Error).message);
}

if (command === 'help' || command === '--help' || command === '-h') {
  console.log(USAGE);
  process.exit(0);
}
if (command === 'key') {
  const kid = args.values.kid ?? `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
  if (!KID.test(kid)) fail('--kid must match [A-Za-z0-9_-]{1,32}, or VIDGATE_SIGNING_KEYS will refuse the entry');
  console.log(`${kid}:${randomBytes(32).toString('base64url')}`);
  process.exit(0);
}
if (!['sign', 'token', 'render-nginx', 'db-setup', 'import-metadata', 'audit'].includes(command ?? '')) fail(command ? `unknown command "${command}"` : 'a command is required');

for (const warning of misspeltWarnings(process.env)) console.error(`vidgate: ${warning}`);

// A command that fails on its way (PostgreSQL or MinIO refusing or out of
// reach: errors with a code) says why in a line, not with a stack trace; a
// failure without a code is a fault of ours, and keeps its stack.
process.on('uncaughtException', (err: Error & { code?: string; detail?: string; hint?: string }) => {
  if (!err.code) {
    console.error(`vidgate ${command}:`, err);
    process.exit(1);
  }
  // Node's AggregateError (every address of a name refused) has no message of its own.
  const inner = err instanceof AggregateError ? err.errors.map((e: Error) => e.message) : [];
  const lines = [err.message ? `${err.message} (${err.code})` : err.code, ...inner, err.detail, err.hint, wrongPasswordHint(err)].filter(Boolean);
  console.error(`vidgate ${command}: ${lines.join('\n  ')}`);
  process.exit(1);
});

/** Each command parses only the settings it uses: `token` needs no signing key, `sign` no JWT secret. */
function load<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError) refuse(err.message);
    throw err;
  }
}

if (command === 'audit') {
  const { user, video, action, from, to, limit } = args.values;
  process.exitCode = await auditCommand(args.positionals, { user, video, action, from, to, limit }, { fail, load });
} else if (command === 'render-nginx') {
  // The container layout: the compose stack's nginx mounts DIR at --mount and keeps
  // its pid, temporary files and logs in its own folders. Same renderer as `npm start`.
  if (!args.values.out) fail('render-nginx needs --out DIR');
  const out = resolve(args.values.out);
  const mount = args.values.mount ?? '/etc/nginx/vidgate';
  const workers = args.values.workers ?? String(availableParallelism());
  if (!/^[1-9][0-9]{0,2}$/.test(workers)) fail('--workers must be a whole number from 1 to 999');
  const extra: Record<string, string> = {};
  for (const file of args.values.extra ?? []) extra[basename(file).replace(/(\.conf)?\.template$/, '')] = await readFile(file, 'utf8');
  const config = load(() => loadNginxConfig());
  const conf = await renderNginx({
    config, workers: Number(workers), extra, generation: new Date().toISOString(),
    paths: { ...stackPaths(out), nginxConf: join(out, 'conf') },
    layout: {
      confDir: `${mount}/conf`, njsDir: `${mount}/njs`, webDir: `${mount}/web`,
      runDir: args.values['run-dir'] ?? '/var/cache/nginx', logDir: args.values['log-dir'] ?? '/var/log/vidgate',
      cacheDir: args.values['cache-dir'] ?? '/var/cache/vidgate-media',
    },
  });
  // Copied over in place, not removed first: a running nginx keeps serving the pages.
  await cp(resolve(NGINX_SRC, 'njs'), join(out, 'njs'), { recursive: true });
  await prepareWebRoot(join(out, 'web'));
  console.log(`rendered ${conf} (nginx reads ${mount}/conf/nginx.conf), njs and pages`);
} else if (command === 'db-setup') {
  const config = load(() => {
    const e = parseEnv({ ...DATABASE, ...DATABASE_ADMIN }, process.env);
    return { db: databaseSection(e), admin: databaseAdminSection(e) };
  });
  const applied = await setUpDatabase(config.db, config.admin, (m) => console.log(m));
  console.log(`database ${config.db.database} on ${config.db.host}:${config.db.port}: role ${config.db.user} ready, ${applied.length ? `applied ${applied.join(', ')}` : 'no migration pending'}`);
} else if (command === 'import-metadata') {
  const config = load(() => {
    const e = parseEnv({ ...STORAGE, ...CREDENTIALS.root, ...DATABASE }, process.env);
    return { storage: storageSection(e), root: credentialsSection.root(e), db: databaseSection(e) };
  });
  const pool = createPool(config.db);
  try {
    const report = await importMetadata(createMinioStore(minioClient(config.storage, config.root), config.storage.bucket), createVideoStore(pool), (m) => console.log(m));
    for (const { id, reason } of report.invalid) console.error(`vidgate: videos/${id}/meta.json not imported: ${reason}`);
    console.log(`imported ${report.imported.length} videos; ${report.present.length} were in the database already; ${report.invalid.length} invalid`);
    if (report.invalid.length > 0) process.exitCode = 1;
  } finally {
    await pool.end();
  }
} else if (command === 'sign') {
  const [objectKey] = args.positionals;
  if (!objectKey) fail('sign needs an object key');
  const problem = objectKeyProblem(objectKey);
  if (problem) fail(`object key ${problem}`);
  const config = load(() => {
    const e = parseEnv({ ...PUBLIC_URL, ...SIGNING }, process.env);
    return { publicUrl: publicUrlOf(e), signing: signingSection(e) };
  });
  const ttl = positiveInt(args.values.ttl, config.signing.defaultTtl, '--ttl');
  if (ttl > config.signing.maxTtl) fail(`--ttl must be at most ${config.signing.maxTtl} (VIDGATE_SIGN_MAX_TTL)`);
  const exp = nowSeconds() + ttl;
  console.log(config.publicUrl + createUrlSigner(config.signing).signPath(`/media/${objectKey}`, exp));
} else {
  const sub = args.values.sub;
  if (!sub) fail('token needs --sub NAME');
  const role = args.values.role ?? 'user';
  if (role !== 'admin' && role !== 'user') fail('--role must be admin or user');
  const ttl = positiveInt(args.values.ttl, 3600, '--ttl');
  const jwt = load(() => jwtSection(parseEnv(JWT, process.env)));
  console.log(issueToken(jwt, { sub, role, premium: args.values.premium ?? false }, ttl));
}
