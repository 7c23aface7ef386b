/**
 * The control plane on PostgreSQL, on a bench stack of its own (through the
 * origin, as clients reach it):
 *  - GET /v1/videos/:id/playback at a fixed rate (open loop: requests leave on
 *    schedule whether or not earlier ones have answered), p50/p99;
 *  - the first page, and a page deep in, of a library of 10,000 videos;
 *  - each measured beside GET /healthz through the same path, the floor of
 *    any request here (nginx, the loopback, the client);
 *  - what a playback's audit event costs: its write (one insert in a group
 *    commit) awaited alone and at the playback rate, which is what
 *    VIDGATE_PLAYBACK_AUDIT=before-grant adds to a playback's answer.
 *
 *   node --import tsx bench/control-plane.ts   (BENCH_RATE=200, BENCH_SECONDS=10, BENCH_LIBRARY=10000)
 */
import { Agent, request } from 'node:http';
import { issueToken } from '../services/auth/src/jwt.ts';
import { createAuditLog, type AuditEvent } from '../services/common/src/audit.ts';
import { createPool } from '../services/common/src/database/pool.ts';
import { startBenchStack } from './support/bench-stack.ts';
import { table } from './support/wrk.ts';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const LIBRARY = Number(process.env.BENCH_LIBRARY ?? 10_000);

const stack = await startBenchStack();
const { config } = stack;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const origin = new URL(stack.originUrl);

/** One GET; resolves with its time in ms once the whole body arrived, rejects on a status other than 200. */
function timedGet(path: string, token?: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: origin.hostname, port: origin.port, path, agent, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
function summary(name: string, times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return { what: name, requests: sorted.length, 'p50 ms': quantile(sorted, 0.5).toFixed(2), 'p99 ms': quantile(sorted, 0.99).toFixed(2), 'max ms': sorted[sorted.length - 1]!.toFixed(2) };
}

/** `work` starts every 1/rate s for `seconds`, each run timed on its own. */
async function openLoop(work: () => Promise<number>, rate = RATE): Promise<number[]> {
  const times: Promise<number>[] = [];
  const start = performance.now();
  for (let i = 0; i < rate * SECONDS; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    times.push(work());
  }
  return Promise.all(times);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function sequential(path: string, token: string | undefined, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await timedGet(path, token));
  return times;
}

try {
  // A library of LIBRARY videos for one user, written in one statement (as the services' role).
  const pool = createPool(config.database);
  const owner = 'bench-librarian';
  await pool.query(`INSERT INTO videos (id, owner, title, visibility, status, progress, duration_seconds, created_at, updated_at)
    SELECT 'lib-' || n, $1, 'video ' || n, 'private', 'ready', 1, 60, now() - n * interval '1 minute', now() - n * interval '1 minute'
    FROM generate_series(1, $2::int) AS n`, [owner, LIBRARY]);
  await pool.end();
  // Statistics, as autovacuum gathers them on a live table (the services' role may not ANALYZE).
  const admin = createPool({ ...config.database, user: config.databaseAdmin.user, password: config.databaseAdmin.password });
  await admin.query('ANALYZE videos');
  await admin.end();
  console.log(`library: ${LIBRARY} videos of ${owner}`);
  const librarian = issueToken(config.jwt, { sub: owner, role: 'user', premium: false }, 3600);
  const viewer = issueToken(config.jwt, { sub: 'bench-viewer', role: 'user', premium: false }, 3600);

  // Warm up every path (connections, caches, JIT) before measuring.
  for (const path of ['/healthz', '/v1/videos/demo/playback', '/v1/videos?limit=50']) await sequential(path, path === '/healthz' ? undefined : librarian, 50);

  const rows = [];
  rows.push(summary(`GET /healthz at ${RATE}/s (the floor)`, await openLoop(() => timedGet('/healthz', undefined))));
  for (const rate of [RATE / 4, RATE / 2, RATE]) rows.push(summary(`GET /v1/videos/demo/playback at ${rate}/s`, await openLoop(() => timedGet('/v1/videos/demo/playback', viewer), rate)));
  // The event a playback records, written by a trail of this process's own on the services' role, as auth writes it.
  const auditPool = createPool(config.database);
  const audit = createAuditLog(auditPool);
  const event: AuditEvent = { action: 'playback.granted', actor: 'bench-viewer', videoId: 'demo', clientIp: '127.0.0.1', userAgent: 'bench', detail: { visibility: 'public', expiresAt: new Date().toISOString() } };
  const write = () => timed(async () => {
    if (!(await audit.record(event))) throw new Error('an audit event was not written');
  });
  for (let i = 0; i < 50; i++) await write();
  const alone: number[] = [];
  for (let i = 0; i < 500; i++) alone.push(await write());
  rows.push(summary('audit event of a playback, written alone', alone));
  rows.push(summary(`audit events at ${RATE}/s (group commit)`, await openLoop(write)));
  await auditPool.end();
  rows.push(summary(`first page (50) of ${LIBRARY} videos, one at a time`, await sequential('/v1/videos?limit=50', librarian, 200)));
  rows.push(summary(`first page (100) of ${LIBRARY} videos, one at a time`, await sequential('/v1/videos?limit=100', librarian, 200)));
  // A cursor 9,000 videos deep: keyset paging reads only its page however deep it is.
  const deep = Buffer.from(JSON.stringify([new Date(Date.now() - 9_000 * 60_000).toISOString(), 'lib-9000'])).toString('base64url');
  rows.push(summary(`a page (50) 9,000 videos deep`, await sequential(`/v1/videos?limit=50&cursor=${deep}`, librarian, 200)));
  console.log(`\n${table(rows)}`);
} finally {
  agent.destroy();
  await stack.stop();
}
