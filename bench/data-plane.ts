/**
 * The data plane, hot and cold: the same bytes fetched, at 1 MB and 100 KB, by
 *   - nginx sending a file from local disk (sendfile): the ceiling of this machine;
 *   - MinIO's own presigned GET: what a user would use instead of Vidgate;
 *   - Vidgate's signed URL, a hit in the edge cache (njs check, then the cache);
 *   - Vidgate's signed URL, a miss (njs check, presign, MinIO read, cache write);
 *   - the Node legacy proxy (express + http-proxy-middleware);
 * with wrk, all in one run on one stack, and the ratios the edge cache is for.
 *
 * The paths are measured in rotation, BENCH_ROUNDS times each, and the median
 * round is reported: on a shared 2-core machine, load from other work then
 * falls on all of them alike instead of on whichever ran at a bad moment.
 *
 * With BENCH_STORAGE_CPU=N, MinIO runs on cpu N alone and everything else on
 * the other cores, as when MinIO has hosts of its own: on a 2-core machine
 * shared by all, a miss (MinIO's GET plus nginx's work) takes CPU from the
 * very MinIO it reads, so "miss ÷ MinIO direct" measures the sharing as much
 * as the origin.
 *
 * VIDGATE_SIGN_MODE=md5 measures the secure_link scheme (nginx's C module,
 * no njs) instead of the default hmac one.
 *
 *   node --import tsx bench/data-plane.ts          (BENCH_SECONDS=5, BENCH_ROUNDS=3, BENCH_CONNECTIONS=16, BENCH_STORAGE_CPU unset, VIDGATE_SIGN_MODE=hmac)
 */
import { cpus } from 'node:os';
import { issueToken } from '../services/auth/src/jwt.ts';
import { minioClient } from '../services/common/src/minio-store.ts';
import { createUrlSigner, nowSeconds } from '../services/common/src/url-signer.ts';
import { BENCH_VIDEO, putBenchObjects } from './support/bench-objects.ts';
import { giveStorageItsOwnCpu } from './support/cpu-split.ts';
import { benchDiskDir, DISK_PORT, MISS_PORT, startBenchStack } from './support/bench-stack.ts';
import { table, wrk, type WrkResult } from './support/wrk.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const storageCpu = process.env.BENCH_STORAGE_CPU ? Number(process.env.BENCH_STORAGE_CPU) : undefined;
const SIZES = { '1mb.bin': 1024 * 1024, '100kb.bin': 100 * 1024 };
const CEILING = 'nginx sendfile, local disk (ceiling)';
const MINIO = 'MinIO presigned GET';
const HIT = 'Vidgate signed, cache hit';
const MISS = 'Vidgate signed, cache miss';
const PROXY = 'Node proxy (express + http-proxy-middleware)';
/** The goals of the edge cache, as ratios of one run's figures: [what, numerator, denominator, goal at 1 MB, goal at 100 KB]. */
const GOALS: [string, string, string, number, number][] = [
  ['hit ÷ ceiling', HIT, CEILING, 0.8, 0.6],
  ['hit ÷ MinIO direct', HIT, MINIO, 2, 2],
  ['miss ÷ MinIO direct', MISS, MINIO, 0.9, 0.9],
];

const signMode = process.env.VIDGATE_SIGN_MODE ?? 'hmac';
const stack = await startBenchStack({ comparisons: true, env: { VIDGATE_SIGN_MODE: signMode } });
try {
  const { config } = stack;
  const layout = storageCpu === undefined ? 'wrk, nginx 1 worker, MinIO and Node share the machine' : await giveStorageItsOwnCpu(stack.paths.run, storageCpu);
  console.log(`cpu layout: ${layout}`);
  await putBenchObjects(config, SIZES, benchDiskDir(config));
  const signer = createUrlSigner(config.signing);
  const minio = minioClient(config.minio, config.minio.root);
  const token = issueToken(config.jwt, { sub: 'bench', role: 'user', premium: false });
  const rows = [];
  const ratios = [];
  for (const [name, size] of Object.entries(SIZES)) {
    const key = `videos/${BENCH_VIDEO}/hls/${name}`;
    const signed = signer.signPath(`/media/${key}`, nowSeconds() + 3600);
    const targets: Record<string, { url: string; headers: string[] }> = {
      [CEILING]: { url: `http://127.0.0.1:${DISK_PORT}/disk/${name}`, headers: [] },
      [MINIO]: { url: await minio.presignedGetObject(config.minio.bucket, key, 3600), headers: [] },
      [HIT]: { url: stack.originUrl + signed, headers: [] },
      [MISS]: { url: `http://127.0.0.1:${MISS_PORT}${signed}`, headers: [] },
      [PROXY]: { url: `${stack.authUrl}/v1/proxy/videos/${BENCH_VIDEO}/${name}`, headers: [`Authorization: Bearer ${token}`] },
    };
    // Every path answers the same bytes (and the hit path's first fetch fills the cache).
    for (const [label, target] of Object.entries(targets)) {
      const probe = await fetch(target.url, { headers: Object.fromEntries(target.headers.map((h) => h.split(': ') as [string, string])) });
      const body = await probe.arrayBuffer();
      if (probe.status !== 200 || body.byteLength !== size) throw new Error(`${label}: HTTP ${probe.status}, ${body.byteLength} bytes`);
    }
    const runs: Record<string, WrkResult[]> = {};
    for (let round = 1; round <= rounds; round++) {
      for (const [label, target] of Object.entries(targets)) {
        console.log(`wrk round ${round}/${rounds}: ${name} via ${label}, ${connections} connections, ${seconds} s`);
        (runs[label] ??= []).push(await wrk(target.url, { seconds, connections, headers: target.headers }));
      }
    }
    const results = Object.fromEntries(Object.entries(runs).map(([label, rs]) => [label, rs.sort((a, b) => a.bytesPerSecond - b.bytesPerSecond)[Math.floor(rs.length / 2)]!]));
    for (const [label, r] of Object.entries(results)) {
      rows.push({
        object: name, path: label, 'req/s': r.requestsPerSecond.toFixed(0), 'MB/s': (r.bytesPerSecond / 1024 ** 2).toFixed(0),
        'p50 ms': r.p50ms.toFixed(2), 'p99 ms': r.p99ms.toFixed(2), errors: r.non2xx,
        'of ceiling': (r.bytesPerSecond / results[CEILING]!.bytesPerSecond).toFixed(2),
      });
    }
    for (const [what, top, bottom, goal1mb, goal100kb] of GOALS) {
      const ratio = results[top]!.bytesPerSecond / results[bottom]!.bytesPerSecond;
      const goal = size >= 1024 * 1024 ? goal1mb : goal100kb;
      ratios.push({ object: name, ratio: what, value: ratio.toFixed(2), goal: `≥ ${goal}`, met: ratio >= goal ? 'yes' : 'NO' });
    }
  }
  console.log(`\nData plane, ${cpus().length} × ${cpus()[0]?.model.trim()}, wrk -c${connections} -d${seconds}s, median of ${rounds} rounds, ${signMode} signatures (${layout}):\n`);
  console.log(table(rows));
  console.log(`\nThe edge cache's goals (ratios of the medians above):\n`);
  console.log(table(ratios));
} finally {
  await stack.stop();
}
