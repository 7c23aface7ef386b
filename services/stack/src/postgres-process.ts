import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { DatabaseAdminConfig, DatabaseConfig } from '@vidgate/common/config/sections';
import { startProcess, type ManagedProcess } from './managed-process.ts';
import { findTool } from './tools.ts';
import { wrongPasswordHint } from './database-refusal.ts';

/**
 * The local PostgreSQL of `npm start` and of the test stack: Debian's server
 * with a cluster of its own in the stack's data folder, listening on the
 * stack's address only. PostgreSQL refuses to run as root, so a root process
 * runs it (and initdb) as the `postgres` user Debian's package creates.
 */
const SERVER_USER = 'postgres';

/** Debian keeps the server outside PATH, one folder a major version: the newest is used. */
function serverBin(name: string): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^[0-9]+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const candidate = join(base, version, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  return findTool(name);
}

/** The uid and gid to run the server as: ours unless we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith(`${SERVER_USER}:`));
  if (!entry) throw new Error(`PostgreSQL refuses to run as root and there is no "${SERVER_USER}" user: install Debian's postgresql package (npm run bootstrap)`);
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function runAs(user: { uid: number; gid: number } | undefined, command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { ...user, encoding: 'utf8', env: { PATH: process.env.PATH, LC_ALL: 'C' } });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}` };
}

/** Makes the cluster on first start: the admin role with its password, scram-sha-256 for every connection. */
async function initCluster(dataDir: string, admin: DatabaseAdminConfig, user: { uid: number; gid: number } | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const scratch = await mkdtemp(join(tmpdir(), 'vidgate-initdb-'));
  try {
    const pwfile = join(scratch, 'pw');
    await writeFile(pwfile, `${admin.password}\n`, { mode: 0o600 });
    if (user) for (const path of [dataDir, scratch, pwfile]) await chown(path, user.uid, user.gid);
    const reach = runAs(user, '/bin/sh', ['-c', 'test -w "$1"', 'sh', dataDir]);
    if (reach.status !== 0) throw new Error(`PostgreSQL runs as "${SERVER_USER}", which cannot write ${dataDir}: each folder above it must be searchable by that user (chmod o+x), or set VIDGATE_DATA_DIR elsewhere`);
    const init = runAs(user, serverBin('initdb'), ['-D', dataDir, '-U', admin.user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale']);
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.output.slice(-2000)}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Resolves once the admin role can connect; rejects if the server exits or 30 s pass. */
async function waitForServer(db: DatabaseConfig, admin: DatabaseAdminConfig, server: ManagedProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited: number | string | undefined;
  void server.exited.then((code) => (exited = code));
  for (;;) {
    const client = new pg.Client({ host: db.host, port: db.port, user: admin.user, password: admin.password, database: 'postgres', connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (exited !== undefined) throw new Error(`PostgreSQL exited (${exited}) before it answered`);
      // It answered, and refused: waiting would not change its mind.
      const hint = wrongPasswordHint(err);
      if (hint) throw new Error(`PostgreSQL on ${db.host}:${db.port} refused ${admin.user}'s login: ${hint}`);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not answer on ${db.host}:${db.port} within 30 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function startPostgres(options: { db: DatabaseConfig; admin: DatabaseAdminConfig; dataDir: string; logFile: string }): Promise<ManagedProcess> {
  const { db, admin, dataDir } = options;
  const user = serverUser();
  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) await initCluster(dataDir, admin, user);
  const server = startProcess({
    name: 'postgres',
    command: serverBin('postgres'),
    // No Unix socket: everything connects over TCP with a password, as in a container.
    args: ['-D', dataDir, '-h', db.host, '-p', String(db.port), '-c', 'unix_socket_directories=', '-c', 'log_min_error_statement=panic'],
    env: { PATH: process.env.PATH, LC_ALL: 'C' },
    logFile: options.logFile,
    user,
    // Fast shutdown: open sessions are ended (SIGTERM would wait for every client to leave).
    stopSignal: 'SIGINT',
  });
  try {
    await waitForServer(db, admin, server);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
