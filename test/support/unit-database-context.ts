import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseAdminConfig, DatabaseConfig } from '../../services/common/src/config/sections.ts';
import { setUpDatabase } from '../../services/common/src/database/setup.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    database: DatabaseConfig;
    databaseAdmin: DatabaseAdminConfig;
  }
}

/** For unit tests: the settings of the unit project's own PostgreSQL (unit-database.ts starts it). */
export const unitDatabase = (): DatabaseConfig => inject('database');

/** Its superuser: for tests that act as an administrator would (a database of their own, a row changed behind the services' back). */
export const unitDatabaseAdmin = (): DatabaseAdminConfig => inject('databaseAdmin');

/**
 * A database of its own on the unit project's server, migrated as `npm start`
 * migrates: for tests that break what they stand on (an audit chain changed
 * behind the services' back) without disturbing the files running beside them.
 */
export async function isolatedDatabase(prefix: string): Promise<{ db: DatabaseConfig; admin: DatabaseAdminConfig; drop: () => Promise<void> }> {
  const db = { ...unitDatabase(), database: `${prefix}_${randomBytes(4).toString('hex')}` };
  const admin = unitDatabaseAdmin();
  await setUpDatabase(db, admin);
  const drop = async () => {
    const client = new pg.Client({ host: db.host, port: db.port, user: admin.user, password: admin.password, database: 'postgres' });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${db.database} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return { db, admin, drop };
}
