import { readFile } from 'node:fs/promises';
import { ACCESS_LOG } from './access-log.ts';
import { pollUntil } from './poll.ts';
import { AUTH, testConfig } from './test-stack.ts';

const COLLECTOR = `http://${testConfig.bindHost}:${testConfig.ports.collector}`;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (format 0.0.4): one sample a line, comments skipped. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The auth service's own /metrics, straight from its port (nginx does not expose it). */
export async function scrapeAuth(): Promise<Sample[]> {
  const res = await fetch(`${AUTH}/metrics`);
  if (res.status !== 200) throw new Error(`GET ${AUTH}/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

/** Sum of the samples of one metric whose labels pass `where`. */
export function sum(samples: readonly Sample[], name: string, where: (labels: Record<string, string>) => boolean = () => true): number {
  return samples.filter((s) => s.name === name && where(s.labels)).reduce((total, s) => total + s.value, 0);
}

/**
 * Requests a test made, not probes: the scrape's own response (counted once it
 * is sent, i.e. in the next scrape) and the health checks Docker and the
 * stack's supervisor send on their own schedule, which can land mid-test.
 */
const PROBES = new Set(['/metrics', '/healthz', '/readyz']);
export const notProbes = (labels: Record<string, string>) => !PROBES.has(labels.route ?? '');

/**
 * Scrapes until the auth service has counted `requests` more requests than
 * `before` did: it counts each request when its response has finished, which
 * can be a moment after the client has the last byte.
 */
export function scrapeAfter(before: readonly Sample[], requests: number): Promise<Sample[]> {
  const counted = (now: readonly Sample[]) => sum(now, 'vidgate_http_requests_total', notProbes) - sum(before, 'vidgate_http_requests_total', notProbes);
  return pollUntil(scrapeAuth, (now) => counted(now) >= requests, { timeoutMs: 3_000, intervalMs: 20 });
}

/** The collector's /metrics, straight from its port. */
export async function scrapeCollector(): Promise<Sample[]> {
  const res = await fetch(`${COLLECTOR}/metrics`);
  if (res.status !== 200) throw new Error(`GET ${COLLECTOR}/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

/**
 * A scrape once the collector has read every line nginx has written so far
 * (earlier tests' requests included): it started with the stack, on an empty log.
 */
export async function settledCollector(): Promise<Sample[]> {
  const read = async () => ({ written: (await readFile(ACCESS_LOG, 'utf8')).split('\n').filter(Boolean).length, samples: await scrapeCollector() });
  return (await pollUntil(read, ({ written, samples }) => sum(samples, 'vidgate_collector_lines_total') >= written)).samples;
}

/**
 * The compose stack's Prometheus targets of one scrape job, once `count` of them
 * are up (or what there is at the deadline): one per replica, found through Docker's DNS.
 */
export async function scrapeTargets(job: string, count: number, prometheusUrl: string): Promise<{ health: string }[]> {
  const url = `${prometheusUrl}/api/v1/targets?state=active`;
  return pollUntil(async () => {
    const body = (await (await fetch(url)).json()) as { data: { activeTargets: { labels: { job: string }; health: string }[] } };
    return body.data.activeTargets.filter((t) => t.labels.job === job);
  }, (t) => t.length === count && t.every((x) => x.health === 'up'), { timeoutMs: 60_000, intervalMs: 1_000 });
}
