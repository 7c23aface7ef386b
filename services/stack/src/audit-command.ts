import { pruneAudit } from '@vidgate/common/audit-chain';
import { AUDIT_ACTIONS, createAuditLog, type AuditQuery } from '@vidgate/common/audit';
import { parseEnv } from '@vidgate/common/config/env';
import { AUDIT, auditSection, DATABASE, DATABASE_ADMIN, databaseAdminSection, databaseSection } from '@vidgate/common/config/sections';
import { createPool, type Pool } from '@vidgate/common/database/pool';

/** What cli.ts lends the command: its usage error (exit 2) and its configuration loader. */
export interface CliHelpers {
  fail(message: string): never;
  load<T>(read: () => T): T;
}

export interface AuditOptions {
  user?: string;
  video?: string;
  action?: string;
  from?: string;
  to?: string;
  limit?: string;
}

const PAGE = 100;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

async function withPool<T>(pool: Pool, work: (pool: Pool) => Promise<T>): Promise<T> {
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** `vidgate audit`: the events that match, newest first, one JSON object a line; as the services' role. */
async function list(options: AuditOptions, cli: CliHelpers): Promise<number> {
  for (const name of ['from', 'to'] as const) {
    const value = options[name];
    if (value !== undefined && (!ISO.test(value) || Number.isNaN(Date.parse(value)))) cli.fail(`--${name} must be an ISO instant like 2026-11-26T00:00:00Z`);
  }
  if (options.action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(options.action)) cli.fail(`--action must be one of ${AUDIT_ACTIONS.join(', ')}`);
  const limit = options.limit ?? '100';
  if (!/^[1-9][0-9]{0,5}$/.test(limit)) cli.fail('--limit must be a whole number from 1 to 999999');
  const db = cli.load(() => databaseSection(parseEnv(DATABASE, process.env)));
  return withPool(createPool(db), async (pool) => {
    const audit = createAuditLog(pool);
    const query: Omit<AuditQuery, 'limit'> = { actor: options.user, videoId: options.video, action: options.action, from: options.from, to: options.to };
    let left = Number(limit);
    let cursor: string | undefined;
    do {
      const page = await audit.query({ ...query, limit: Math.min(PAGE, left), cursor });
      for (const event of page.events) process.stdout.write(`${JSON.stringify(event)}\n`);
      left -= page.events.length;
      cursor = page.nextCursor;
    } while (cursor && left > 0);
    return 0;
  });
}

/** `vidgate audit verify`: 0 and "chain intact" or 1 and the first event that does not hold; as the services' role (SELECT only). */
async function verify(cli: CliHelpers): Promise<number> {
  const db = cli.load(() => databaseSection(parseEnv(DATABASE, process.env)));
  return withPool(createPool(db), async (pool) => {
    const verdict = await createAuditLog(pool).verify();
    if (!verdict.ok) {
      console.error(`vidgate: audit chain broken at event ${verdict.id}: ${verdict.reason} (${verdict.checked} events before it hold)`);
      return 1;
    }
    // The head's hash, kept somewhere else, also shows later whether the newest events were removed.
    console.log(`chain intact: ${verdict.count} events${verdict.head ? `; newest ${verdict.head.id}, hash ${verdict.head.hash}` : ''}`);
    return 0;
  });
}

/** `vidgate audit prune`: removes events older than VIDGATE_AUDIT_RETENTION_DAYS, as the admin role. */
async function prune(cli: CliHelpers): Promise<number> {
  const config = cli.load(() => {
    const e = parseEnv({ ...DATABASE, ...DATABASE_ADMIN, ...AUDIT }, process.env);
    return { db: databaseSection(e), admin: databaseAdminSection(e), audit: auditSection(e) };
  });
  const before = new Date(Date.now() - config.audit.retentionDays * 86_400_000);
  return withPool(createPool({ ...config.db, user: config.admin.user, password: config.admin.password }), async (pool) => {
    const result = await pruneAudit(pool, { before, actor: `operator:${config.admin.user}`, retentionDays: config.audit.retentionDays });
    console.log(result.removed === 0
      ? `nothing to prune: no event before ${before.toISOString()} (VIDGATE_AUDIT_RETENTION_DAYS=${config.audit.retentionDays})`
      : `pruned ${result.removed} events before ${before.toISOString()} (VIDGATE_AUDIT_RETENTION_DAYS=${config.audit.retentionDays}), through event ${result.throughId}; the oldest remaining follows hash ${result.lastRemovedHash}`);
    return 0;
  });
}

/** `vidgate audit [verify|prune]`; the exit code. A database that cannot answer is 3: neither intact (0) nor broken (1). */
export async function auditCommand(positionals: string[], options: AuditOptions, cli: CliHelpers): Promise<number> {
  const [sub, ...extra] = positionals;
  if (extra.length > 0) cli.fail(`audit takes one subcommand, not ${positionals.join(' ')}`);
  try {
    if (sub === undefined) return await list(options, cli);
    if (Object.values(options).some((v) => v !== undefined)) cli.fail(`audit ${sub} takes no options`);
    if (sub === 'verify') return await verify(cli);
    if (sub === 'prune') return await prune(cli);
  } catch (err) {
    // An AppError (database_unavailable) keeps PostgreSQL's or the network's own words in its details.
    const { code, message, details } = err as { code?: string; message?: string; details?: { cause?: string } };
    console.error(`vidgate: the audit trail could not be read: ${details?.cause ?? [code, message].filter(Boolean).join(' ')}`);
    return 3;
  }
  return cli.fail(`unknown audit subcommand "${sub}" (verify, prune)`);
}
