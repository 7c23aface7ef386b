/**
 * The offload, measured: N concurrent sessions play the whole demo video (every
 * segment of every rendition, as a player switching quality would) through
 * (a) signed URLs via nginx and (b) the legacy Node proxy, on one stack in one
 * run. Prints bytes through the backend, backend CPU seconds, throughput and
 * segment latency for each, and the ratios. Then runs the data-plane benchmark.
 *
 *   node --import tsx bench/offload.ts     (BENCH_SESSIONS=8, BENCH_ROUNDS=5)
 */
import { cpus } from 'node:os';
import { issueToken } from '../services/auth/src/jwt.ts';
import { startBenchStack } from './support/bench-stack.ts';
import { scrape, sumMetric } from './support/prom-text.ts';
import { table } from './support/wrk.ts';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const uris = (playlist: string) => playlist.split('\n').filter((l) => l && !l.startsWith('#'));

interface SessionStats { mediaBytes: number; playlistBytes: number; segmentMs: number[] }

async function get(url: string, headers: Record<string, string>, stats: SessionStats, kind: 'media' | 'playlist') {
  const started = performance.now();
  const res = await fetch(url, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new Error(`${url.replace(/\?.*/, '')}: HTTP ${res.status}`);
  if (kind === 'media') {
    stats.mediaBytes += body.length;
    stats.segmentMs.push(performance.now() - started);
  } else stats.playlistBytes += body.length;
  return body.toString('utf8');
}

/** One full playback from a master playlist URL: every variant, every segment. */
async function play(masterUrl: string, headers: Record<string, string>, stats: SessionStats) {
  const base = new URL(masterUrl);
  const master = await get(masterUrl, headers, stats, 'playlist');
  for (const variant of uris(master)) {
    const variantUrl = new URL(variant, base);
    const playlist = await get(variantUrl.href, headers, stats, 'playlist');
    for (const segment of uris(playlist)) await get(new URL(segment, variantUrl).href, headers, stats, 'media');
  }
}

const stack = await startBenchStack();
try {
  const { config } = stack;
  const token = issueToken(config.jwt, { sub: 'viewer', role: 'user', premium: false });
  const auth = { Authorization: `Bearer ${token}` };
  const metricsUrl = `${stack.authUrl}/metrics`;
  const modes = {
    'signed URLs via nginx': async (stats: SessionStats) => {
      const playback = JSON.parse(await get(`${stack.originUrl}/v1/videos/demo/playback`, auth, stats, 'playlist')) as { masterUrl: string };
      await play(playback.masterUrl, {}, stats);
    },
    'legacy Node proxy': (stats: SessionStats) => play(`${stack.originUrl}/v1/proxy/videos/demo/master.m3u8`, auth, stats),
  };
  const results: Record<string, Record<string, number>> = {};
  for (const [mode, session] of Object.entries(modes)) {
    console.log(`${mode}: ${SESSIONS} concurrent sessions × ${ROUNDS} rounds of the full demo video`);
    const before = await scrape(metricsUrl);
    const all: SessionStats[] = [];
    const started = performance.now();
    await Promise.all(Array.from({ length: SESSIONS }, async () => {
      const stats: SessionStats = { mediaBytes: 0, playlistBytes: 0, segmentMs: [] };
      all.push(stats);
      for (let round = 0; round < ROUNDS; round++) await session(stats);
    }));
    const seconds = (performance.now() - started) / 1000;
    const after = await scrape(metricsUrl);
    // /metrics and /healthz are the benchmark's own probes, not playback traffic.
    const playbackRoutes = (labels: string) => !labels.includes('/metrics') && !labels.includes('/healthz');
    const backendBytes = sumMetric(after, 'vidgate_backend_bytes_total', playbackRoutes) - sumMetric(before, 'vidgate_backend_bytes_total', playbackRoutes);
    const cpu = sumMetric(after, 'vidgate_auth_process_cpu_seconds_total') - sumMetric(before, 'vidgate_auth_process_cpu_seconds_total');
    const media = all.reduce((s, x) => s + x.mediaBytes, 0);
    const latencies = all.flatMap((x) => x.segmentMs).sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    const sessions = SESSIONS * ROUNDS;
    results[mode] = { sessions, media, backendBytes, cpu, seconds, mbps: media / seconds / 1024 ** 2, p50: pct(0.5), p99: pct(0.99) };
  }
  const signed = results['signed URLs via nginx']!;
  const proxy = results['legacy Node proxy']!;
  console.log(`\nOffload, ${cpus().length} × ${cpus()[0]?.model.trim()}; everything (MinIO, nginx, Node, clients) on one machine:\n`);
  console.log(table(Object.entries(results).map(([mode, r]) => ({
    mode,
    sessions: r.sessions!,
    'media MB': (r.media! / 1024 ** 2).toFixed(1),
    'backend bytes/session': (r.backendBytes! / r.sessions!).toFixed(0),
    'backend ÷ media': `${((100 * r.backendBytes!) / r.media!).toFixed(2)} %`,
    'backend CPU s': r.cpu!.toFixed(2),
    'MB/s': r.mbps!.toFixed(0),
    'seg p50 ms': r.p50!.toFixed(1),
    'seg p99 ms': r.p99!.toFixed(1),
  }))));
  console.log(`
ratios (signed vs proxy):
  backend bytes per session   ${((100 * signed.backendBytes!) / proxy.backendBytes!).toFixed(2)} % of proxy mode
  backend CPU per session     ${((100 * signed.cpu!) / proxy.cpu!).toFixed(1)} % of proxy mode   (goal ≤ 10 %)
  throughput                  ${(signed.mbps! / proxy.mbps!).toFixed(2)} × proxy mode
  signed backend ÷ media      ${((100 * signed.backendBytes!) / signed.media!).toFixed(3)} %   (goal ≤ 1 %)`);
} finally {
  await stack.stop();
}
