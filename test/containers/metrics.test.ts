import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_PORTS } from '../support/containers.ts';
import { playedSeconds } from '../support/pipeline.ts';
import { pollUntil } from '../support/poll.ts';
import { DEMO_ID, playback, tokenFor } from '../support/videos.ts';

// Prometheus in the compose stack, as the dashboard reads it: it scrapes every
// target, and a playback through the published port moves the collector's
// origin bytes and the auth service's backend bytes.
const PROMETHEUS = `http://127.0.0.1:${CONTAINER_PORTS.prometheus}`;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-containers-metrics-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function targets(): Promise<{ job: string; health: string }[]> {
  const res = await fetch(`${PROMETHEUS}/api/v1/targets?state=active`);
  const body = (await res.json()) as { data: { activeTargets: { labels: { job: string }; health: string }[] } };
  return body.data.activeTargets.map((t) => ({ job: t.labels.job, health: t.health }));
}

async function query(expr: string): Promise<number> {
  const res = await fetch(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

describe('Prometheus', () => {
  it('scrapes every target of deploy/prometheus/prometheus.yml and finds it up', async () => {
    const seen = await pollUntil(targets, (t) => t.length === 4 && t.every((x) => x.health === 'up'), { timeoutMs: 45_000, intervalMs: 1_000 });
    expect(seen.map((t) => `${t.job}:${t.health}`).sort()).toEqual(['minio:up', 'vidgate-auth:up', 'vidgate-collector:up', 'vidgate-transcoder:up']);
  });

  it('sees origin bytes and backend bytes move after one playback through the published port', async () => {
    const origin = 'sum(vidgate_origin_sent_bytes_total)';
    const backend = 'sum(vidgate_backend_bytes_total{direction="out"})';
    const before = { origin: await query(origin), backend: await query(backend) };
    const pb = await playback(DEMO_ID, tokenFor('metrics-viewer'));
    const { seconds } = await playedSeconds(pb.masterUrl, work);
    expect(seconds).toBeGreaterThan(11.5);
    // Scraped every 15 s: wait for the scrape after the playback.
    const after = await pollUntil(async () => ({ origin: await query(origin), backend: await query(backend) }),
      (v) => v.origin > before.origin + 1_000_000 && v.backend > before.backend, { timeoutMs: 45_000, intervalMs: 1_000 });
    expect(after.origin - before.origin).toBeGreaterThan(1_000_000);
    expect(after.backend).toBeGreaterThan(before.backend);
    // The offload in one figure: the segments went nginx → player, not through Node.
    expect((after.backend - before.backend) / (after.origin - before.origin)).toBeLessThan(0.05);
  });
});
