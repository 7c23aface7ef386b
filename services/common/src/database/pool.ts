import pg from 'pg';
import type { DatabaseConfig } from '../config/sections.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export type Pool = pg.Pool;
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** PostgreSQL's SQLSTATE classes that mean "the database cannot answer now", not "the query is wrong". */
const UNAVAILABLE = /^(08|53|57P0[1-3])/;
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** An error from pg as the services' vocabulary: unreachable or overloaded → 503 database_unavailable; anything else stays a crash (500). */
export function databaseError(err: unknown): unknown {
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message ?? '';
  if (UNAVAILABLE.test(code) || NETWORK.has(code) || /timeout|terminat|Connection terminated/i.test(message)) {
    return new AppError('database_unavailable', 'the database is unavailable', { cause: `${code} ${message}`.trim() }, 5);
  }
  return err;
}

/**
 * The services' connection pool. Connections are opened on demand and closed
 * when idle; a connection that breaks while idle is logged and replaced (pg
 * emits it as an error event, which would otherwise end the process).
 */
export function createPool(config: DatabaseConfig, logger?: Logger, applicationName = 'vidgate'): Pool {
  const pool = new pg.Pool({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    max: config.poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A statement never holds a request (or a connection) for longer than this.
    statement_timeout: 10_000,
    application_name: applicationName,
    // Idle connections do not keep a finished process (a CLI, a test worker) alive.
    allowExitOnIdle: true,
  });
  pool.on('error', (err) => logger?.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'an idle database connection broke'));
  return pool;
}

/** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch((err: unknown) => Promise.reject(databaseError(err)));
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw databaseError(err);
  } finally {
    // A connection that could not even roll back is closed, not handed to the next request.
    client.release(broken);
  }
}
