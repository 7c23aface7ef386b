import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedDatabase } from '../../../test/support/unit-database-context.ts';
import { createAuditLog } from '@vidgate/common/audit';
import { createPool, type Pool } from '@vidgate/common/database/pool';

// `vidgate audit` as an operator runs it, against a database of its own on the
// unit project's PostgreSQL (this file changes rows behind the services' back).
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let env: Record<string, string>;
let pool: Pool;
let admin: Pool;
let drop: () => Promise<void>;

beforeAll(async () => {
  const made = await isolatedDatabase('audit_cli');
  drop = made.drop;
  env = {
    VIDGATE_DB_HOST: made.db.host, VIDGATE_DB_PORT: String(made.db.port), VIDGATE_DB_NAME: made.db.database,
    VIDGATE_DB_USER: made.db.user, VIDGATE_DB_PASSWORD: made.db.password,
    VIDGATE_DB_ADMIN_USER: made.admin.user, VIDGATE_DB_ADMIN_PASSWORD: made.admin.password,
  };
  pool = createPool(made.db);
  admin = createPool({ ...made.db, user: made.admin.user, password: made.admin.password });
  const audit = createAuditLog(pool);
  for (let i = 1; i <= 12; i++) await audit.record({ action: i % 4 === 0 ? 'sign.minted' : 'playback.granted', actor: i % 2 ? 'alice' : 'bob', videoId: `v${i % 3}`, detail: { i } });
});
afterAll(async () => {
  await Promise.all([pool?.end(), admin?.end()]);
  await drop?.();
});

interface Run { code: number; stdout: string; stderr: string }
function vidgate(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['services/stack/bin/vidgate.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env, ...extra }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}
const lines = (run: Run) => run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: number; actor: string; detail: { i: number } });

/** A change as the superuser makes it once the table's triggers are off. */
async function behindTheBack(sql: string): Promise<void> {
  const client = await admin.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(sql);
  } finally {
    await client.query('RESET session_replication_role');
    client.release();
  }
}

describe('vidgate audit', { timeout: 30_000 }, () => {
  it('prints the events that match, newest first, one JSON object a line', async () => {
    const alice = await vidgate(['audit', '--user', 'alice', '--limit', '4']);
    expect(alice.code, alice.stderr).toBe(0);
    expect(lines(alice).map((e) => e.detail.i)).toEqual([11, 9, 7, 5]);
    const signed = await vidgate(['audit', '--action', 'sign.minted', '--video', 'v0']);
    expect(lines(signed).map((e) => e.detail.i)).toEqual([12]);
    const none = await vidgate(['audit', '--from', '2000-01-01T00:00:00Z', '--to', '2000-01-02T00:00:00Z']);
    expect({ code: none.code, stdout: none.stdout }).toEqual({ code: 0, stdout: '' });
  });

  it.concurrent.for<[string[], RegExp]>([
    [['audit', '--from', 'yesterday'], /--from must be an ISO instant/],
    [['audit', '--limit', '0'], /--limit must be a whole number/],
    [['audit', '--action', 'video.burned'], /--action must be one of/],
    [['audit', 'verify', '--user', 'alice'], /audit verify takes no options/],
    [['audit', 'rewrite'], /unknown audit subcommand "rewrite"/],
  ])('%j exits 2 with a message', async ([args, message], { expect }) => {
    const run = await vidgate(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('verify: "chain intact" and the newest hash', async () => {
    const run = await vidgate(['audit', 'verify']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^chain intact: 12 events; newest 12, hash [0-9a-f]{64}\n$/);
  });

  it('prune: as the admin role, events older than the retention go and the rest still verifies', async () => {
    await behindTheBack(`UPDATE audit_events SET at = at - interval '400 days' WHERE id <= 5`);
    const pruned = await vidgate(['audit', 'prune']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/^pruned 5 events before \S+ \(VIDGATE_AUDIT_RETENTION_DAYS=365\), through event 5; the oldest remaining follows hash [0-9a-f]{64}\n$/);
    expect((await vidgate(['audit', 'prune'])).stdout).toMatch(/^nothing to prune/);
    const verified = await vidgate(['audit', 'verify']);
    expect(verified.stdout, verified.stderr).toMatch(/^chain intact: 8 events; newest 13,/);
    expect(lines(await vidgate(['audit', '--action', 'audit.pruned']))).toEqual([expect.objectContaining({ id: 13, actor: 'operator:postgres' })]);
  });

  it('verify: exit 1 naming the event the superuser changed', async () => {
    await behindTheBack(`UPDATE audit_events SET detail = '{"i": 0}' WHERE id = 9`);
    const run = await vidgate(['audit', 'verify']);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
    expect(run.stderr).toBe('vidgate: audit chain broken at event 9: event 9 (playback.granted) does not match its hash: it was changed after it was written (3 events before it hold)\n');
  });

  it('db-setup refused a password: one line that says where to look, no stack trace', async () => {
    const run = await vidgate(['db-setup'], { VIDGATE_DB_ADMIN_PASSWORD: 'not-the-password-of-this-cluster' });
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(/^vidgate db-setup: password authentication failed for user "[^"]+" \(28P01\)\n {2}the user or the password is not one this PostgreSQL knows.*VIDGATE_DEV_SECRETS_DIR.*\n$/);
    expect(run.stderr).not.toContain('not-the-password-of-this-cluster');
  });

  it('db-setup with no server at the address: the refusal of each address, in lines', async () => {
    const run = await vidgate(['db-setup'], { VIDGATE_DB_HOST: 'localhost', VIDGATE_DB_PORT: '1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^vidgate db-setup: .*ECONNREFUSED/);
    expect(run.stderr).toMatch(/connect ECONNREFUSED [\d.:]+:1\b/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('exits 3 when the database does not answer', async () => {
    const run = await vidgate(['audit', 'verify'], { VIDGATE_DB_PORT: '1' });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^vidgate: the audit trail could not be read: ECONNREFUSED/);
  });
});
