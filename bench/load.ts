/**
 * Load: BENCH_SESSIONS (200) viewers play the demo video at once for
 * BENCH_SECONDS (60) through the local stack, then the same viewers fetch the
 * same playlists and segments with MinIO's presigned GETs (the baseline: what a
 * user would run instead of Vidgate). Prints requests by kind, 5xx (goal 0) and
 * other failures, latency percentiles, throughput, the CPU of this client and
 * of every stack process, and the ratios Vidgate ÷ MinIO. Traffic goes to
 * 127.0.0.1 only, and every loop ends by the deadline.
 *
 * Each viewer is a player, not a request loop, so that the load is what that
 * many viewers make and a latency is what one of them waits (a back-to-back
 * loop saturates the stack and measures its queue instead). From a loopback
 * address of its own, it asks for playback, reads the master and one variant
 * playlist (renditions spread evenly over the ladder), then fetches segments
 * in order over one kept-alive connection, keeping at most BENCH_BUFFER (10 s,
 * what nginx/web/player.js asks hls.js for) ahead of a playhead that moves in
 * real time; a segment that arrives after the playhead ran dry is a stall.
 * When the clip has played out it asks for playback again, as a player does
 * for the next video. All viewers join at the same instant (the worst case;
 * that herd's API and playlist latencies are reported apart, as startup time),
 * each at a random position in the clip, as concurrent viewers are spread over
 * it. BENCH_PACING=none drops the waits: a saturation test.
 *
 *   node --import tsx bench/load.ts   (BENCH_SESSIONS=200, BENCH_SECONDS=60, BENCH_BUFFER=10, BENCH_PACING=realtime)
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { issueToken } from '../services/auth/src/jwt.ts';
import { minioClient } from '../services/common/src/minio-store.ts';
import { videoKeys } from '../services/common/src/video.ts';
import type { Stack } from '../services/stack/src/stack.ts';
import { startBenchStack } from './support/bench-stack.ts';
import { procStat } from './support/proc-stat.ts';
import { scrape, sumMetric } from './support/prom-text.ts';
import { table } from './support/wrk.ts';

const VIDEO = 'demo';
const TIMEOUT_MS = 10_000;
const KINDS = ['api', 'playlist', 'segment'] as const;
type Kind = (typeof KINDS)[number];
export type Pacing = 'realtime' | 'none';

export interface LoadStats {
  requests: Record<Kind, number>;
  /** Time to the last byte of each 2xx answer. */
  latencyMs: Record<Kind, number[]>;
  /** Failed requests by what went wrong: "HTTP 502", "timeout", "ECONNRESET"… */
  failures: Record<string, number>;
  bytes: number;
  playbacks: number;
  stalls: number;
  /** From asking for playback to the first segment received: each viewer's first (all at once), and every later one. */
  startupMs: { join: number[]; later: number[] };
}

/** How a viewer finds its segments: playback through Vidgate, or MinIO's presigned URLs. */
export interface Source {
  name: string;
  open(viewer: number, agent: Agent, stats: LoadStats): Promise<{ url: string; seconds: number }[] | undefined>;
}

export const newStats = (): LoadStats => ({
  requests: { api: 0, playlist: 0, segment: 0 }, latencyMs: { api: [], playlist: [], segment: [] }, failures: {}, bytes: 0, playbacks: 0, stalls: 0, startupMs: { join: [], later: [] },
});
export const fiveXx = (s: LoadStats) => Object.entries(s.failures).filter(([k]) => k.startsWith('HTTP 5')).reduce((n, [, v]) => n + v, 0);
export const failed = (s: LoadStats) => Object.values(s.failures).reduce((n, v) => n + v, 0);
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
const sleepUntil = (t: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, t - performance.now())));

/** One GET, counted; resolves with the body of a 2xx answer (gunzipped), undefined otherwise. */
function fetchCounted(stats: LoadStats, kind: Kind, url: string, agent: Agent, headers: Record<string, string> = {}): Promise<Buffer | undefined> {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`refusing to load anything but 127.0.0.1: ${url.replace(/\?.*/, '')}`);
  const started = performance.now();
  stats.requests[kind]++;
  const fail = (why: string) => void (stats.failures[why] = (stats.failures[why] ?? 0) + 1);
  return new Promise((done) => {
    const req = get(url, { agent, headers: { 'Accept-Encoding': 'gzip', ...headers }, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        stats.bytes += chunk.length;
        if (kind !== 'segment') chunks.push(chunk);
      });
      res.on('error', (err: NodeJS.ErrnoException) => done(void fail(err.code ?? err.message)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return done(void fail(`HTTP ${status}`));
        stats.latencyMs[kind].push(performance.now() - started);
        const body = Buffer.concat(chunks);
        done(res.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (err: NodeJS.ErrnoException) => done(void fail(err.code ?? err.message)));
  });
}

const uris = (playlist: string) => playlist.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
function segmentsOf(playlist: string, base: string) {
  const out: { url: string; seconds: number }[] = [];
  let seconds = 0;
  for (const line of playlist.split('\n').map((l) => l.trim())) {
    if (line.startsWith('#EXTINF:')) seconds = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#')) out.push({ url: new URL(line, base).href, seconds });
  }
  return out;
}

/** Playback as a player does it: the API (with the viewer's token), the signed master, one variant. */
export function vidgateSource(stack: Stack, tokens: string[]): Source {
  return {
    name: 'Vidgate (signed, via nginx)',
    async open(viewer, agent, stats) {
      const api = await fetchCounted(stats, 'api', `${stack.originUrl}/v1/videos/${VIDEO}/playback`, agent, { Authorization: `Bearer ${tokens[viewer]}` });
      if (!api) return undefined;
      const { masterUrl } = JSON.parse(api.toString('utf8')) as { masterUrl: string };
      const master = await fetchCounted(stats, 'playlist', masterUrl, agent);
      const variants = master ? uris(master.toString('utf8')) : [];
      if (variants.length === 0) return undefined;
      const variantUrl = new URL(variants[viewer % variants.length]!, masterUrl).href;
      const variant = await fetchCounted(stats, 'playlist', variantUrl, agent);
      return variant && segmentsOf(variant.toString('utf8'), variantUrl);
    },
  };
}

/** The baseline: the stored playlists and segments by MinIO presigned GETs (presigned once, as an app server would). */
export function minioSource(stack: Stack): Source {
  const { config } = stack;
  const client = minioClient(config.minio, config.minio.root);
  const presigned = new Map<string, Promise<string>>();
  const url = (key: string) => presigned.get(key) ?? presigned.set(key, client.presignedGetObject(config.minio.bucket, key, 3 * 3600)).get(key)!;
  const prefix = videoKeys.hlsPrefix(VIDEO);
  return {
    name: 'MinIO presigned GET (baseline)',
    async open(viewer, agent, stats) {
      const master = await fetchCounted(stats, 'playlist', await url(`${prefix}master.m3u8`), agent);
      const variants = master ? uris(master.toString('utf8')) : [];
      if (variants.length === 0) return undefined;
      const variantKey = prefix + variants[viewer % variants.length]!;
      const variant = await fetchCounted(stats, 'playlist', await url(variantKey), agent);
      const dir = `http://x/${variantKey}`;
      const segments = variant ? segmentsOf(variant.toString('utf8'), dir) : undefined;
      return segments && Promise.all(segments.map(async (s) => ({ seconds: s.seconds, url: await url(new URL(s.url).pathname.slice(1)) })));
    },
  };
}

/** Plays the segments out; resolves with when the first one arrived. */
async function play(segments: { url: string; seconds: number }[], o: { agent: Agent; stats: LoadStats; pacing: Pacing; bufferSeconds: number; deadline: number }): Promise<number | undefined> {
  let playStart: number | undefined;
  let stalledMs = 0;
  let buffered = 0; // seconds of video received
  const playhead = (t: number) => (playStart === undefined ? 0 : (t - playStart - stalledMs) / 1000);
  for (const segment of segments) {
    // Fetch once the segment fits under the buffer goal: once the playhead is at buffered + segment − goal.
    if (o.pacing === 'realtime' && playStart !== undefined) await sleepUntil(Math.min(o.deadline, playStart + stalledMs + 1000 * (buffered + segment.seconds - o.bufferSeconds)));
    if (performance.now() >= o.deadline) return playStart;
    if (!(await fetchCounted(o.stats, 'segment', segment.url, o.agent))) return playStart; // the player gives up on this playback
    const t = performance.now();
    if (playStart === undefined) playStart = t;
    else if (o.pacing === 'realtime' && playhead(t) > buffered) {
      o.stats.stalls++;
      stalledMs += 1000 * (playhead(t) - buffered);
    }
    buffered += segment.seconds;
  }
  if (o.pacing === 'realtime' && playStart !== undefined) await sleepUntil(Math.min(o.deadline, playStart + stalledMs + 1000 * buffered));
  return playStart;
}

/**
 * Each viewer connects from an address of its own in 127.0.0.0/8 (all of it is
 * the loopback), as real viewers do: per-address limits in nginx then apply per
 * viewer, not to all of them at once.
 */
const viewerAddress = (viewer: number) => `127.0.${(viewer + 2) >> 8}.${(viewer + 2) & 255}`;

/** `viewers` players at once until `seconds` have passed; no request starts after that. */
export async function runViewers(o: { source: Source; viewers: number; seconds: number; pacing: Pacing; bufferSeconds: number; stats?: LoadStats }): Promise<LoadStats> {
  const stats = o.stats ?? newStats();
  const deadline = performance.now() + o.seconds * 1000;
  await Promise.all(Array.from({ length: o.viewers }, async (_, viewer) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: viewerAddress(viewer) });
    try {
      for (let first = true; performance.now() < deadline; first = false) {
        const asked = performance.now();
        // The join's playlist and API latencies are kept apart: every viewer asks at the same instant, a herd no steady state has.
        const joinStats = first ? newStats() : stats;
        const segments = await o.source.open(viewer, agent, joinStats);
        if (first) {
          for (const kind of KINDS) stats.requests[kind] += joinStats.requests[kind];
          for (const [why, n] of Object.entries(joinStats.failures)) stats.failures[why] = (stats.failures[why] ?? 0) + n;
          stats.bytes += joinStats.bytes;
        }
        if (!segments?.length) {
          await sleepUntil(Math.min(deadline, performance.now() + 1000)); // a failed start: retry a second later
          continue;
        }
        stats.playbacks++;
        const firstSegment = await play(first ? segments.slice(Math.floor(Math.random() * segments.length)) : segments, { ...o, agent, stats, deadline });
        if (firstSegment !== undefined) stats.startupMs[first ? 'join' : 'later'].push(firstSegment - asked);
      }
    } finally {
      agent.destroy();
    }
  }));
  return stats;
}

export const viewerTokens = (stack: Stack, viewers: number, seconds: number) =>
  Array.from({ length: viewers }, (_, i) => issueToken(stack.config.jwt, { sub: `viewer-${i}`, role: 'user', premium: false }, seconds + 600));

/** Every process of the stack: the supervisor's pid files, plus nginx's workers and cache processes. */
export async function stackProcesses(stack: Stack): Promise<{ name: string; pid: number }[]> {
  const out: { name: string; pid: number }[] = [];
  const files = (await readdir(stack.paths.run)).filter((f) => f.endsWith('.pid')).sort();
  const all = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  for (const file of files) {
    const pid = Number((await readFile(resolve(stack.paths.run, file), 'utf8')).trim());
    if (!(pid > 0)) continue;
    const name = file.slice(0, -'.pid'.length);
    out.push({ name, pid });
    if (name !== 'nginx') continue;
    for (const child of all) {
      if (Number((await procStat(child))?.[1]) !== pid) continue;
      const title = (await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').replace(/^nginx: | process\s*$/g, '').trim();
      const taken = out.filter((p) => p.name.startsWith(`nginx ${title}`)).length;
      out.push({ name: `nginx ${title}${taken ? ` ${taken + 1}` : ''}`, pid: Number(child) });
    }
  }
  return out;
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const PAGE = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }));
/** CPU seconds used so far and resident bytes of a process, from /proc; undefined once it is gone. */
export async function procUsage(pid: number): Promise<{ cpuSeconds: number; rssBytes: number } | undefined> {
  const f = await procStat(pid);
  if (!f) return undefined;
  return { cpuSeconds: (Number(f[11]) + Number(f[12])) / CLK_TCK, rssBytes: Number(f[21]) * PAGE };
}
/** Busy and total CPU seconds of the whole machine. */
async function machineCpu() {
  const ticks = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - ticks[3]! - (ticks[4] ?? 0)) / CLK_TCK, total: total / CLK_TCK };
}

/** The collector's count of nginx's 5xx, once it has read the whole access log. */
async function nginxFiveXx(stack: Stack): Promise<number> {
  const url = `http://127.0.0.1:${stack.config.ports.collector}/metrics`;
  for (let tries = 0; ; tries++) {
    const text = await scrape(url);
    if (sumMetric(text, 'vidgate_collector_lag_bytes') === 0 || tries >= 20) return sumMetric(text, 'vidgate_origin_requests_total', (l) => l.includes('status_class="5xx"'));
    await sleepUntil(performance.now() + 500);
  }
}

async function measure(stack: Stack, o: { source: Source; viewers: number; seconds: number; pacing: Pacing; bufferSeconds: number }) {
  const processes = await stackProcesses(stack);
  const before = await Promise.all(processes.map((p) => procUsage(p.pid)));
  const [machine0, client0, nginx5xx0, started] = [await machineCpu(), process.cpuUsage(), await nginxFiveXx(stack), performance.now()];
  console.log(`${o.source.name}: ${o.viewers} viewers, ${o.seconds} s, pacing ${o.pacing}`);
  const stats = await runViewers(o);
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(client0);
  const machine1 = await machineCpu();
  const after = await Promise.all(processes.map((p) => procUsage(p.pid)));
  const cpu = processes.map((p, i) => ({ name: p.name, seconds: (after[i]?.cpuSeconds ?? NaN) - (before[i]?.cpuSeconds ?? NaN) }));
  return {
    stats, seconds, cpu, nginx5xx: (await nginxFiveXx(stack)) - nginx5xx0,
    clientCore: (client.user + client.system) / 1e6 / seconds,
    machineBusy: (machine1.busy - machine0.busy) / (machine1.total - machine0.total),
  };
}

async function main() {
  const viewers = Number(process.env.BENCH_SESSIONS ?? 200);
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  const bufferSeconds = Number(process.env.BENCH_BUFFER ?? 10);
  const pacing = (process.env.BENCH_PACING ?? 'realtime') as Pacing;
  if (![viewers, seconds, bufferSeconds].every((n) => Number.isFinite(n) && n > 0) || !['realtime', 'none'].includes(pacing)) {
    throw new Error('BENCH_SESSIONS, BENCH_SECONDS and BENCH_BUFFER must be positive numbers; BENCH_PACING realtime or none');
  }
  const stack = await startBenchStack();
  try {
    const sources = [vidgateSource(stack, viewerTokens(stack, viewers, 2 * seconds)), minioSource(stack)];
    // Both start warm: every segment in nginx's edge cache and in MinIO's page cache.
    for (const source of sources) await runViewers({ source, viewers: 4, seconds: 3, pacing: 'none', bufferSeconds });
    const results = [];
    for (const source of sources) results.push({ source, ...(await measure(stack, { source, viewers, seconds, pacing, bufferSeconds })) });

    const ms = (values: number[], p: number) => percentile(values, p).toFixed(1);
    console.log(`\nLoad, ${cpus().length} × ${cpus()[0]?.model.trim()}; ${viewers} viewers for ${seconds} s, pacing ${pacing}, buffer ${bufferSeconds} s; stack and client on one machine:\n`);
    console.log(table(results.map(({ source, stats: s, seconds: t, clientCore, machineBusy }) => ({
      path: source.name, playbacks: s.playbacks, 'api req': s.requests.api, 'playlist req': s.requests.playlist, 'segment req': s.requests.segment,
      '5xx': fiveXx(s), 'other failures': failed(s) - fiveXx(s), stalls: s.stalls,
      'seg/s': (s.latencyMs.segment.length / t).toFixed(0), 'MB/s': (s.bytes / t / 1024 ** 2).toFixed(1),
      'client CPU': `${(100 * clientCore).toFixed(0)} % of a core`, 'machine busy': `${(100 * machineBusy).toFixed(0)} %`,
    }))));
    console.log(`\nLatency, ms to the last byte (2xx only); api and playlist after the join; startup from asking for playback to the first segment, at the join (all ${viewers} at once) and later:\n`);
    console.log(table(results.flatMap(({ source, stats: s }) => Object.entries({ ...s.latencyMs, 'startup, join': s.startupMs.join, 'startup, later': s.startupMs.later })
      .filter(([, values]) => values.length > 0)
      .map(([kind, values]) => ({ path: source.name, kind, n: values.length, p50: ms(values, 0.5), p95: ms(values, 0.95), p99: ms(values, 0.99), max: ms(values, 1) })))));
    const [v, m] = results as [(typeof results)[0], (typeof results)[0]];
    const ratio = (kind: Kind, p: number) => (percentile(v.stats.latencyMs[kind], p) / percentile(m.stats.latencyMs[kind], p)).toFixed(2);
    console.log(`
Vidgate ÷ MinIO presigned:
  segment latency   p50 ${ratio('segment', 0.5)}, p95 ${ratio('segment', 0.95)}, p99 ${ratio('segment', 0.99)}
  playlist latency  p50 ${ratio('playlist', 0.5)}, p99 ${ratio('playlist', 0.99)}   (Vidgate rewrites and signs; MinIO sends the stored text)
  startup           p50 ${(percentile(v.stats.startupMs.later, 0.5) / percentile(m.stats.startupMs.later, 0.5)).toFixed(2)}, p99 ${(percentile(v.stats.startupMs.later, 0.99) / percentile(m.stats.startupMs.later, 0.99)).toFixed(2)} after the join (Vidgate also asks its API); at the join p50 ${(percentile(v.stats.startupMs.join, 0.5) / percentile(m.stats.startupMs.join, 0.5)).toFixed(2)}
  segments/s        ${(v.stats.latencyMs.segment.length / v.seconds / (m.stats.latencyMs.segment.length / m.seconds)).toFixed(2)}
5xx through Vidgate: ${fiveXx(v.stats)} seen by the viewers, ${v.nginx5xx} in nginx's access log (goal 0: ${fiveXx(v.stats) + v.nginx5xx === 0 ? 'met' : 'NOT met'})`);
    for (const r of results) {
      const failures = Object.entries(r.stats.failures).map(([k, n]) => `${k} × ${n}`).join(', ');
      if (failures) console.log(`  failures, ${r.source.name}: ${failures}`);
      console.log(`stack CPU during ${r.source.name}: ${r.cpu.filter((c) => c.seconds > 0.05).map((c) => `${c.name} ${((100 * c.seconds) / r.seconds).toFixed(0)} %`).join(', ')} (of one core)`);
    }
  } finally {
    await stack.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
