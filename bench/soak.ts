/**
 * Soak: bench/load.ts's viewers, BENCH_SESSIONS (200) of them at real-time
 * pacing, for BENCH_SECONDS (600) through the local stack, while every
 * BENCH_SAMPLE_SECONDS (10) the resident memory of every stack process (MinIO,
 * nginx's master, workers and cache processes, and the auth, transcoder and
 * collector services) is read from /proc, and each Node service's V8 heap from
 * its /metrics. Prints the samples over time, then a verdict per series: the
 * median of the first minute after a minute of warm-up against the median of
 * the last minute (shorter runs use thirds of the run instead of minutes).
 *
 * Why this rate: it is the load bench/load.ts certifies, and it leaves the
 * machine far from saturated (paced viewers: there the whole stack used about
 * a fifth of one core, the client a quarter at most), so memory that grows is
 * kept, not queued. A leak grows
 * with requests, so more of them show it sooner: about 100 segments and 50
 * playlist/API requests a second, 90,000 requests in ten minutes.
 *
 * Flat: growth under BENCH_FLAT_PCT (5) % of the first minute, or under
 * BENCH_FLAT_MB (5) MB, whichever is larger. Below that a ten-minute run cannot
 * tell a leak from a collector's swings (V8's young generation alone is 16 MB;
 * Go returns freed memory to the system lazily); the spread within the first
 * minute is printed beside it, and the growth per hour for a slower leak.
 *
 *   node --import tsx bench/soak.ts   (BENCH_SECONDS=600, BENCH_SESSIONS=200, BENCH_SAMPLE_SECONDS=10)
 */
import { cpus } from 'node:os';
import type { Stack } from '../services/stack/src/stack.ts';
import { failed, fiveXx, newStats, percentile, procUsage, runViewers, stackProcesses, vidgateSource, viewerTokens } from './load.ts';
import { startBenchStack } from './support/bench-stack.ts';
import { scrape, sumMetric } from './support/prom-text.ts';
import { table } from './support/wrk.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 600);
const viewers = Number(process.env.BENCH_SESSIONS ?? 200);
const every = Number(process.env.BENCH_SAMPLE_SECONDS ?? 10);
const flatPct = Number(process.env.BENCH_FLAT_PCT ?? 5);
const flatMb = Number(process.env.BENCH_FLAT_MB ?? 5);
if (![seconds, viewers, every, flatPct, flatMb].every((n) => Number.isFinite(n) && n > 0) || seconds < 3 * every) {
  throw new Error('BENCH_SECONDS, BENCH_SESSIONS, BENCH_SAMPLE_SECONDS, BENCH_FLAT_PCT and BENCH_FLAT_MB must be positive numbers, the run at least three samples long');
}
const MB = 1024 ** 2;
const NODE_SERVICES = ['auth', 'transcoder', 'collector'] as const;

/** One sample: MB by series ("auth RSS", "auth heap", "nginx worker RSS"…), and the pid behind each process. */
async function sample(stack: Stack): Promise<{ mb: Record<string, number>; pids: Record<string, number> }> {
  const mb: Record<string, number> = {};
  const pids: Record<string, number> = {};
  for (const { name, pid } of await stackProcesses(stack)) {
    const usage = await procUsage(pid);
    if (!usage) continue;
    mb[`${name} RSS`] = usage.rssBytes / MB;
    pids[name] = pid;
  }
  const ports = { auth: stack.config.ports.auth, transcoder: stack.config.transcoder.port, collector: stack.config.ports.collector };
  for (const service of NODE_SERVICES) {
    const text = await scrape(`http://127.0.0.1:${ports[service]}/metrics`).catch(() => '');
    if (text) mb[`${service} heap`] = sumMetric(text, `vidgate_${service}_nodejs_heap_size_used_bytes`) / MB;
  }
  return { mb, pids };
}

const median = (values: number[]) => percentile(values, 0.5);

const stack = await startBenchStack();
try {
  const source = vidgateSource(stack, viewerTokens(stack, viewers, seconds));
  await runViewers({ source, viewers: 4, seconds: 3, pacing: 'none', bufferSeconds: 10 }); // every segment in the edge cache
  const stats = newStats();
  const started = performance.now();
  const load = runViewers({ source, viewers, seconds, pacing: 'realtime', bufferSeconds: 10, stats });
  console.log(`${viewers} viewers for ${seconds} s; memory every ${every} s`);
  const samples: { t: number; mb: Record<string, number> }[] = [];
  const restarts: string[] = [];
  let lastPids: Record<string, number> = {};
  for (let t = 0; t <= seconds; t += every) {
    await new Promise((r) => setTimeout(r, Math.max(0, started + t * 1000 - performance.now())));
    const { mb, pids } = await sample(stack);
    for (const [name, pid] of Object.entries(pids)) if (lastPids[name] && lastPids[name] !== pid) restarts.push(`${name} at ${t} s (pid ${lastPids[name]} → ${pid})`);
    lastPids = pids;
    samples.push({ t, mb });
    const segments = stats.latencyMs.segment.length;
    console.log(`  ${String(t).padStart(4)} s  ${segments} segments, ${fiveXx(stats)} 5xx, ${failed(stats)} failed  ${Object.entries(mb).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  }
  await load;

  const series = [...new Set(samples.flatMap((s) => Object.keys(s.mb)))].sort();
  console.log(`\nSoak, ${cpus().length} × ${cpus()[0]?.model.trim()}: ${viewers} viewers (real-time pacing) for ${seconds} s. Memory in MB:\n`);
  console.log(table(samples.map((s) => ({ 't s': s.t, ...Object.fromEntries(series.map((k) => [k, s.mb[k]?.toFixed(1) ?? '-'])) }))));

  const window = Math.min(60, Math.floor(seconds / 3 / every) * every); // a minute, or a third of a short run, in whole samples
  const inWindow = (from: number, to: number, key: string) => samples.filter((s) => s.t >= from && s.t < to && s.mb[key] !== undefined).map((s) => s.mb[key]!);
  console.log(`\nGrowth, median of ${window} s after ${window} s of warm-up → median of the last ${window} s; flat below ${flatPct} % or ${flatMb} MB, whichever is larger:\n`);
  console.log(table(series.map((key) => {
    const first = inWindow(window, 2 * window, key);
    const last = inWindow(seconds - window + 0.001, seconds + 1, key);
    if (first.length === 0 || last.length === 0) return { series: key, first: '-', last: '-', 'first spread': '-', growth: '-', '%': '-', 'MB/h': '-', verdict: 'not running throughout' };
    const [a, b] = [median(first), median(last)];
    const growth = b - a;
    const hours = (seconds - 2 * window) / 3600; // between the windows' middles
    return {
      series: key, first: a.toFixed(1), last: b.toFixed(1), 'first spread': (Math.max(...first) - Math.min(...first)).toFixed(1),
      growth: growth.toFixed(1), '%': ((100 * growth) / a).toFixed(1), 'MB/h': (growth / hours).toFixed(0),
      verdict: growth <= Math.max(flatMb, (flatPct / 100) * a) ? 'flat' : 'GROWS',
    };
  })));
  const seg = stats.latencyMs.segment;
  console.log(`
requests: ${stats.requests.api} api, ${stats.requests.playlist} playlist, ${stats.requests.segment} segment; ${stats.playbacks} playbacks, ${stats.stalls} stalls
5xx: ${fiveXx(stats)} (goal 0); other failures: ${failed(stats) - fiveXx(stats)}${failed(stats) ? ` (${Object.entries(stats.failures).map(([k, n]) => `${k} × ${n}`).join(', ')})` : ''}
segment latency ms: p50 ${percentile(seg, 0.5).toFixed(1)}, p99 ${percentile(seg, 0.99).toFixed(1)}
restarts: ${restarts.length ? restarts.join('; ') : 'none'}`);
} finally {
  await stack.stop();
}
