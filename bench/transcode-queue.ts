/**
 * The shared transcode queue, measured on the local stack: (1) a burst of
 * uploads from different users with 1 and then 2 transcoder workers, from each
 * upload's completion (the PUT's response) to its job's start, p50 and p99;
 * (2) with 2 workers, how long the job of a worker killed mid-encode waits
 * before a worker takes it again: SIGKILL (the stack restarts the worker, which
 * gives its job back at start) and SIGSTOP (a frozen worker: the other one takes
 * the job when the lease runs out; thawed, the frozen one must publish nothing).
 *
 *   node --import tsx bench/transcode-queue.ts     (BENCH_BURST=12, BENCH_WORKERS=1,2)
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '../services/auth/src/jwt.ts';
import { createPool } from '../services/common/src/database/pool.ts';
import { minioClient } from '../services/common/src/minio-store.ts';
import { videoKeys } from '../services/common/src/video.ts';
import { stackPaths } from '../services/stack/src/paths.ts';
import type { Stack } from '../services/stack/src/stack.ts';
import { generateTestVideo } from '../services/transcoder/src/test-video.ts';
import { startBenchStack } from './support/bench-stack.ts';

const BURST = Number(process.env.BENCH_BURST ?? 12);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)]!;

interface JobRow { video_id: string; state: string; attempts: number; lease_owner: string | null; enqueued_at: Date; started_at: Date | null }

/** Uploads `body` as a new video of `user` through the origin; resolves when the PUT has been answered. */
async function upload(stack: Stack, user: string, body: Buffer): Promise<{ videoId: string; uploadedAt: number }> {
  const token = issueToken(stack.config.jwt, { sub: user, role: 'user', premium: false });
  const created = await fetch(`${stack.originUrl}/v1/uploads`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ fileName: 'clip.mp4', size: body.length, contentType: 'video/mp4' }),
  });
  if (created.status !== 201 && created.status !== 200) throw new Error(`POST /v1/uploads: HTTP ${created.status} ${await created.text()}`);
  const { videoId, upload: put } = (await created.json()) as { videoId: string; upload: { put: { url: string; headers?: Record<string, string> } } };
  const res = await fetch(put.put.url, { method: 'PUT', body: new Uint8Array(body), headers: { 'Content-Type': 'video/mp4', 'If-None-Match': '*', ...put.put.headers } });
  if (!res.ok) throw new Error(`PUT source: HTTP ${res.status} ${await res.text()}`);
  return { videoId, uploadedAt: Date.now() };
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
  }
}

async function burst(workers: number, clip: Buffer) {
  const stack = await startBenchStack({ env: { VIDGATE_TRANSCODER_WORKERS: String(workers) } });
  const pool = createPool(stack.config.database);
  try {
    // One upload at a time, the workers idle: what the event and the wake-up cost alone.
    const idle: number[] = [];
    const parts: string[] = [];
    for (let n = 0; n < 3; n++) {
      const { videoId, uploadedAt } = await upload(stack, `idle-${workers}-${n}`, clip);
      const row = await until('the job done', async () => (await pool.query<JobRow>(`SELECT * FROM transcode_jobs WHERE video_id = $1 AND state = 'done'`, [videoId])).rows[0], 120_000);
      idle.push((row.started_at!.getTime() - uploadedAt) / 1000);
      parts.push(`${((row.enqueued_at.getTime() - uploadedAt) / 1000).toFixed(2)} + ${((row.started_at!.getTime() - row.enqueued_at.getTime()) / 1000).toFixed(3)}`);
    }
    console.log(`\n${workers} worker(s), idle: upload complete → job start ${idle.map((s) => s.toFixed(2)).join(', ')} s (event to queued + queued to claimed: ${parts.join('; ')})`);
    console.log(`${workers} worker(s): ${BURST} uploads from ${BURST} users at once`);
    const uploads = await Promise.all(Array.from({ length: BURST }, (_, n) => upload(stack, `burst-${workers}-${n}`, clip)));
    const ids = uploads.map((u) => u.videoId);
    const rows = await until('every job done', async () => {
      const { rows } = await pool.query<JobRow>('SELECT video_id, state, attempts, lease_owner, enqueued_at, started_at FROM transcode_jobs WHERE video_id = ANY($1)', [ids]);
      return rows.length === BURST && rows.every((r) => r.state === 'done' || r.state === 'failed') ? rows : undefined;
    }, 600_000);
    const byId = new Map(rows.map((r) => [r.video_id, r]));
    const toStart = uploads.map((u) => (byId.get(u.videoId)!.started_at!.getTime() - u.uploadedAt) / 1000);
    const toQueue = uploads.map((u) => (byId.get(u.videoId)!.enqueued_at.getTime() - u.uploadedAt) / 1000);
    const perWorker = new Map<string, number>();
    for (const r of rows) perWorker.set(r.lease_owner!.split('#')[0]!, (perWorker.get(r.lease_owner!.split('#')[0]!) ?? 0) + 1);
    const line = {
      workers, idleStartP50: quantile(idle, 0.5), uploads: BURST, failed: rows.filter((r) => r.state !== 'done').length,
      queuedP50: quantile(toQueue, 0.5), startP50: quantile(toStart, 0.5), startP99: quantile(toStart, 0.99), startMax: Math.max(...toStart),
      jobsPerWorker: [...perWorker.values()].join('/'),
    };
    console.log(`  upload complete → job queued p50 ${line.queuedP50.toFixed(2)} s; → job start p50 ${line.startP50.toFixed(1)} s, p99 ${line.startP99.toFixed(1)} s (max ${line.startMax.toFixed(1)} s); jobs per worker ${line.jobsPerWorker}`);
    return { line, stack, pool };
  } catch (err) {
    await pool.end();
    await stack.stop();
    throw err;
  }
}

/** The pid of the local worker holding the video's job (its port names its pid file), and the lease owner. */
async function holder(stack: Stack, pool: ReturnType<typeof createPool>, videoId: string) {
  const row = await until('the job running', async () => (await pool.query<JobRow>('SELECT * FROM transcode_jobs WHERE video_id = $1 AND state = $2', [videoId, 'running'])).rows[0], 120_000);
  const port = Number(row.lease_owner!.split('#')[0]!.split(':').pop());
  const index = port - stack.config.transcoder.port;
  const label = index === 0 ? 'transcoder' : `transcoder-${index + 1}`;
  const pid = Number(await readFile(join(stackPaths(stack.config.dataDir).run, `${label}.pid`), 'utf8'));
  return { pid, leaseOwner: row.lease_owner!, label };
}

/** Uploads a 20 s clip and returns once its encode is under way. */
async function midEncode(stack: Stack, pool: ReturnType<typeof createPool>, clip: Buffer, user: string) {
  const { videoId } = await upload(stack, user, clip);
  await until('progress', async () => ((await pool.query('SELECT progress FROM videos WHERE id = $1', [videoId])).rows[0]?.progress > 0.05 ? true : undefined), 120_000);
  return { videoId, ...(await holder(stack, pool, videoId)) };
}

async function retakenAfter(pool: ReturnType<typeof createPool>, videoId: string, leaseOwner: string, since: number) {
  const row = await until('taken again', async () => (await pool.query<JobRow>('SELECT * FROM transcode_jobs WHERE video_id = $1 AND lease_owner <> $2', [videoId, leaseOwner])).rows[0], 180_000);
  return { seconds: (Date.now() - since) / 1000, by: row.lease_owner!.split('#')[0]! };
}

async function objectsOf(stack: Stack, videoId: string): Promise<string> {
  const client = minioClient(stack.config.minio, stack.config.minio.root);
  const out: string[] = [];
  for await (const item of client.listObjectsV2(stack.config.minio.bucket, videoKeys.hlsPrefix(videoId), true)) out.push(`${item.name} ${item.etag} ${new Date(item.lastModified ?? 0).toISOString()}`);
  return out.sort().join('\n');
}

const work = await mkdtemp(join(tmpdir(), 'vidgate-bench-queue-'));
try {
  await generateTestVideo({ output: join(work, 'short.mp4'), seconds: 4, width: 320, height: 180 });
  await generateTestVideo({ output: join(work, 'long.mp4'), seconds: 20, width: 640, height: 360 });
  const [short, long] = await Promise.all([readFile(join(work, 'short.mp4')), readFile(join(work, 'long.mp4'))]);
  const lines = [];
  for (const workers of WORKER_COUNTS) {
    const { line, stack, pool } = await burst(workers, short);
    lines.push(line);
    try {
      if (workers < 2) continue;
      const killed = await midEncode(stack, pool, long, 'kill-9');
      const killedAt = Date.now();
      process.kill(killed.pid, 'SIGKILL');
      const afterKill = await retakenAfter(pool, killed.videoId, killed.leaseOwner, killedAt);
      console.log(`  SIGKILL of ${killed.label} mid-encode: job taken again after ${afterKill.seconds.toFixed(1)} s, by ${afterKill.by}`);
      await until('ready', async () => ((await pool.query('SELECT status FROM videos WHERE id = $1', [killed.videoId])).rows[0]?.status === 'ready' ? true : undefined), 240_000);

      const frozen = await midEncode(stack, pool, long, 'sigstop');
      const frozenAt = Date.now();
      process.kill(frozen.pid, 'SIGSTOP');
      let afterStop;
      try {
        afterStop = await retakenAfter(pool, frozen.videoId, frozen.leaseOwner, frozenAt);
        await until('ready', async () => ((await pool.query('SELECT status FROM videos WHERE id = $1', [frozen.videoId])).rows[0]?.status === 'ready' ? true : undefined), 240_000);
      } finally {
        process.kill(frozen.pid, 'SIGCONT');
      }
      const published = await objectsOf(stack, frozen.videoId);
      await sleep(15_000);
      const untouched = (await objectsOf(stack, frozen.videoId)) === published;
      console.log(`  SIGSTOP of ${frozen.label} mid-encode: job taken again after ${afterStop.seconds.toFixed(1)} s (lease ${stack.config.transcoder.leaseSeconds} s), by ${afterStop.by}; thawed, it left the ${published.split('\n').length} published objects ${untouched ? 'untouched' : 'CHANGED'}`);
      lines.push({ workers, killedRetakenSeconds: afterKill.seconds, frozenRetakenSeconds: afterStop.seconds, thawedWroteNothing: untouched });
    } finally {
      await pool.end();
      await stack.stop();
    }
  }
  console.log('\n' + JSON.stringify(lines, null, 1));
} finally {
  await rm(work, { recursive: true, force: true });
}
