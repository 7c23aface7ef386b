/**
 * The data plane alone: the same object fetched (a) with a signed URL through
 * nginx (njs HMAC check), (b) through an unsigned nginx location with the same
 * MinIO streaming, and (c) through the Node legacy proxy; requests/s and MB/s
 * from wrk, all in one run on one stack, and the ratios.
 *
 * The three paths are measured in rotation, BENCH_ROUNDS times each, and the
 * median round is reported: on a shared 2-core machine, load from other work
 * then falls on all three alike instead of on whichever ran at a bad moment.
 *
 *   node --import tsx bench/data-plane.ts          (BENCH_SECONDS=5, BENCH_ROUNDS=3, BENCH_CONNECTIONS=16)
 */
import { cpus } from 'node:os';
import { issueToken } from '../services/auth/src/jwt.ts';
import { createUrlSigner, nowSeconds } from '../services/common/src/url-signer.ts';
import { BENCH_VIDEO, putBenchObjects } from './support/bench-objects.ts';
import { startBenchStack, UNSIGNED_PORT } from './support/bench-stack.ts';
import { table, wrk } from './support/wrk.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SIZES = { '1mb.bin': 1024 * 1024, '100kb.bin': 100 * 1024 };

const stack = await startBenchStack({ unsigned: true });
try {
  const { config } = stack;
  await putBenchObjects(config, SIZES);
  const signer = createUrlSigner(config.signing);
  const token = issueToken(config.jwt, { sub: 'bench', role: 'user', premium: false });
  const rows = [];
  for (const [name, size] of Object.entries(SIZES)) {
    const path = `/media/videos/${BENCH_VIDEO}/hls/${name}`;
    const targets = {
      'nginx signed (njs HMAC)': { url: stack.originUrl + signer.signPath(path, nowSeconds() + 3600), headers: [] as string[] },
      'nginx unsigned': { url: `http://127.0.0.1:${UNSIGNED_PORT}${path}`, headers: [] },
      'Node proxy (express + http-proxy-middleware)': { url: `${stack.authUrl}/v1/proxy/videos/${BENCH_VIDEO}/${name}`, headers: [`Authorization: Bearer ${token}`] },
    };
    for (const [label, target] of Object.entries(targets)) {
      const probe = await fetch(target.url, { headers: Object.fromEntries(target.headers.map((h) => h.split(': ') as [string, string])) });
      const body = await probe.arrayBuffer();
      if (probe.status !== 200 || body.byteLength !== size) throw new Error(`${label}: HTTP ${probe.status}, ${body.byteLength} bytes`);
    }
    const runs: Record<string, Awaited<ReturnType<typeof wrk>>[]> = {};
    for (let round = 1; round <= rounds; round++) {
      for (const [label, target] of Object.entries(targets)) {
        console.log(`wrk round ${round}/${rounds}: ${name} via ${label}, ${connections} connections, ${seconds} s`);
        (runs[label] ??= []).push(await wrk(target.url, { seconds, connections, headers: target.headers }));
      }
    }
    const results = Object.fromEntries(Object.entries(runs).map(([label, rs]) => [label, rs.sort((a, b) => a.bytesPerSecond - b.bytesPerSecond)[Math.floor(rs.length / 2)]!]));
    const signed = results['nginx signed (njs HMAC)']!;
    for (const [label, r] of Object.entries(results)) {
      rows.push({
        object: name, path: label, 'req/s': r.requestsPerSecond.toFixed(0), 'MB/s': (r.bytesPerSecond / 1024 ** 2).toFixed(0),
        'p50 ms': r.p50ms.toFixed(2), 'p99 ms': r.p99ms.toFixed(2), errors: r.non2xx,
        'signed ÷ this': (signed.bytesPerSecond / r.bytesPerSecond).toFixed(2),
      });
    }
  }
  console.log(`\nData plane, ${cpus().length} × ${cpus()[0]?.model.trim()}, wrk -c${connections} -d${seconds}s, median of ${rounds} rounds (wrk, nginx 1 worker, MinIO and Node share the machine):\n`);
  console.log(table(rows));
} finally {
  await stack.stop();
}
