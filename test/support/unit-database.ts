import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { DatabaseConfig } from '../../services/common/src/config/sections.ts';
import { setUpDatabase } from '../../services/common/src/database/setup.ts';
import { startPostgres } from '../../services/stack/src/postgres-process.ts';
import './unit-database-context.ts';

/**
 * The unit project's global setup: a PostgreSQL of its own (the same server
 * and set-up `npm start` runs, in a temporary folder, on a free port), so the
 * code that stands on the database is tested against the real thing. Tests
 * read its settings with unitDatabase(), its superuser's with unitDatabaseAdmin()
 * (unit-database-context.ts).
 */

const freePort = () => new Promise<number>((resolve, reject) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  }).on('error', reject);
});

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'vidgate-unit-postgres-'));
  await chmod(dir, 0o755); // the server's own user must reach its data folder inside
  const db: DatabaseConfig = { host: '127.0.0.1', port: await freePort(), database: 'vidgate', user: 'vidgate', password: randomBytes(18).toString('base64url'), poolSize: 5 };
  const admin = { user: 'postgres', password: randomBytes(18).toString('base64url') };
  const server = await startPostgres({ db, admin, dataDir: join(dir, 'data'), logFile: join(dir, 'postgres.log') });
  try {
    await setUpDatabase(db, admin);
  } catch (err) {
    await server.stop();
    throw err;
  }
  project.provide('database', db);
  project.provide('databaseAdmin', admin);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
