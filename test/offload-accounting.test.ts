import { describe, expect, it } from 'vitest';
import { notProbes, scrapeAfter, scrapeAuth, scrapeCollector, settledCollector, sum, type Sample } from './support/prometheus.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';
import { DEMO_ID, playback, segmentUris, tokenFor, topPictureUri } from './support/videos.ts';
import { pollUntil } from './support/poll.ts';
import { metricsProblems } from './support/promtool.ts';
import { wireGet } from './support/wire-bytes.ts';

// The offload as the metrics show it: nginx's own accounting (through the
// collector) against the bytes that crossed the auth service.
const ORIGIN_BYTES = 'vidgate_origin_sent_bytes_total';
const BACKEND_BYTES = 'vidgate_backend_bytes_total';

/** Polls the collector until a counter has grown by `expected` since `before`; returns the growth. */
function growth(before: readonly Sample[], kind: string, expected: number): Promise<number> {
  const bytes = (samples: readonly Sample[]) => sum(samples, ORIGIN_BYTES, (l) => l.kind === kind);
  return pollUntil(async () => bytes(await scrapeCollector()) - bytes(before), (grown) => grown >= expected);
}

/** Master → top variant → every segment, as one player session would, counting wire bytes. */
async function session(masterUrl: string, headers: Record<string, string>) {
  let playlistBytes = 0;
  let segmentBytes = 0;
  const master = await wireGet(masterUrl, headers);
  playlistBytes += master.wireBytes;
  const variantUrl = new URL(topPictureUri(master.body.toString()), new URL(masterUrl, ORIGIN));
  const variant = await wireGet(variantUrl.href, headers);
  playlistBytes += variant.wireBytes;
  for (const uri of segmentUris(variant.body.toString())) {
    const segment = await wireGet(new URL(uri, variantUrl).href, headers);
    expect(segment.status).toBe(200);
    segmentBytes += segment.wireBytes;
  }
  return { playlistBytes, segmentBytes, requests: 2 + segmentUris(variant.body.toString()).length };
}

describe('offload accounting', () => {
  it('a signed playback: origin segment bytes grow by exactly what the client received; backend bytes only by the playlists', async () => {
    const collectorBefore = await settledCollector();
    const backendBefore = await scrapeAuth();
    const { masterUrl } = await playback(DEMO_ID, tokenFor('offload-viewer'));
    const { playlistBytes, segmentBytes } = await session(masterUrl, {});

    expect(await growth(collectorBefore, 'segment', segmentBytes)).toBe(segmentBytes);
    const backendAfter = await scrapeAfter(backendBefore, 3); // playback, master, variant
    const backend = sum(backendAfter, BACKEND_BYTES, notProbes) - sum(backendBefore, BACKEND_BYTES, notProbes);
    expect(backend).toBeGreaterThan(0);
    expect(backend).toBeLessThan(playlistBytes + 8 * 1024); // playlists, playback JSON, request headers
    expect(backend / segmentBytes).toBeLessThan(0.01);
  });

  it('the same playback through the legacy proxy: backend bytes out ≈ the segment bytes', async () => {
    const backendBefore = await scrapeAuth();
    const auth = { Authorization: `Bearer ${tokenFor('proxy-viewer')}` };
    const { segmentBytes, requests } = await session(`${ORIGIN}/v1/proxy/videos/${DEMO_ID}/master.m3u8`, auth);
    const out = (samples: readonly Sample[]) => sum(samples, BACKEND_BYTES, (l) => notProbes(l) && l.direction === 'out');
    const backendOut = out(await scrapeAfter(backendBefore, requests)) - out(backendBefore);
    expect(backendOut).toBeGreaterThan(segmentBytes * 0.95);
    expect(backendOut).toBeLessThan(segmentBytes * 1.1);
  });
});

describe("every running service's /metrics, after traffic", () => {
  const services = {
    auth: `http://${testConfig.bindHost}:${testConfig.ports.auth}/metrics`,
    transcoder: `${testConfig.transcoder.url}/metrics`,
    collector: `http://${testConfig.bindHost}:${testConfig.ports.collector}/metrics`,
  };
  it.each(Object.entries(services))('%s passes promtool check metrics', async (name, url) => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('vidgate_build_info{');
    expect(await metricsProblems(name, text)).toEqual([]);
  });
});
