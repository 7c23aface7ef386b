import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import type { DatabaseAdminConfig, DatabaseConfig } from '../config/sections.ts';

/**
 * Versioned SQL migrations, named <UTC time as YYYYMMDDhhmmssSSS>_<what>.sql (node-pg-migrate's
 * form), applied in that order and recorded in schema_migrations. A migration once released is never edited.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));
const MIGRATIONS_TABLE = 'schema_migrations';

/** Connects as the admin role to one database, runs `work`, disconnects. */
async function asAdmin<T>(db: DatabaseConfig, admin: DatabaseAdminConfig, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: db.host, port: db.port, user: admin.user, password: admin.password, database, connectionTimeoutMillis: 10_000, application_name: 'vidgate-setup' });
  await client.connect();
  try {
    // A failing statement is not echoed into the server's log: the role's password is in one.
    await client.query(`SET log_min_error_statement = panic`);
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs a statement whose names and literals PostgreSQL's format() quotes (%I, %L): DDL takes no parameters. */
async function execFormatted(client: pg.Client, template: string, ...args: string[]): Promise<void> {
  const placeholders = args.map((_, i) => `, $${i + 2}::text`).join('');
  const { rows } = await client.query<{ sql: string }>(`SELECT format($1::text${placeholders}) AS sql`, [template, ...args]);
  await client.query(rows[0]!.sql);
}

/**
 * Makes the database ready for the services, as the admin role; idempotent,
 * and safe to run from several places at once (the migrations hold an
 * advisory lock): the database if missing, the services' login role with its
 * current password, every pending migration, and the role's membership of
 * vidgate_service (the rights the migrations grant). Returns the migrations it applied.
 */
export async function setUpDatabase(db: DatabaseConfig, admin: DatabaseAdminConfig, log: (message: string) => void = () => {}): Promise<string[]> {
  await asAdmin(db, admin, 'postgres', async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.database]);
    if (exists.rowCount === 0) await execFormatted(client, 'CREATE DATABASE %I', db.database);
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [db.user]);
    await execFormatted(client, `${role.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L`, db.user, db.password);
  });
  return asAdmin(db, admin, db.database, async (client) => {
    const applied = await runner({
      dbClient: client, dir: MIGRATIONS_DIR, migrationsTable: MIGRATIONS_TABLE, direction: 'up', count: Infinity, checkOrder: true,
      singleTransaction: true, log: () => {}, logger: { debug: () => {}, info: () => {}, warn: log, error: log },
    });
    await execFormatted(client, 'GRANT vidgate_service TO %I', db.user);
    return applied.map((m) => m.name);
  });
}
