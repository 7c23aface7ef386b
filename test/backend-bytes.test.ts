import { describe, expect, it } from 'vitest';
import { linesSince, logCursor, type AccessLogLine } from './support/access-log.ts';
import { notProbes, scrapeAfter, scrapeAuth, sum, type Sample } from './support/prometheus.ts';
import { ORIGIN } from './support/test-stack.ts';
import { wireGet } from './support/wire-bytes.ts';
import { DEMO_ID, segmentUris, tokenFor, variantUris, type Playback } from './support/videos.ts';

// The point of the design: the auth service signs, nginx streams. A whole
// playback must cost the auth service only the JSON and the playlists, and
// every media byte must come from nginx (its access log shows MinIO behind it).
const BYTES = 'vidgate_backend_bytes_total';
const REQUESTS = 'vidgate_http_requests_total';
const HEADER_ALLOWANCE = 4 * 1024;

/** A GET as it crosses the wire (no Accept-Encoding, so the body is what the auth service sent). */
const download = (url: string, headers: Record<string, string> = {}) => wireGet(new URL(url, ORIGIN).href, headers);

/** Requests counted between two scrapes, by "METHOD route status" (scrapes and health probes left out). */
function requestsByRoute(after: readonly Sample[], before: readonly Sample[]): Record<string, number> {
  const tally = (samples: readonly Sample[], sign: number, into: Record<string, number>) => {
    for (const { name, labels, value } of samples) {
      if (name !== REQUESTS || !notProbes(labels)) continue;
      const key = `${labels.method} ${labels.route} ${labels.status}`;
      into[key] = (into[key] ?? 0) + sign * value;
    }
    return into;
  };
  const delta = tally(before, -1, tally(after, 1, {}));
  return Object.fromEntries(Object.entries(delta).filter(([, n]) => n !== 0));
}

describe('bytes through the auth service during one playback', () => {
  it('are the JSON and playlists only; every segment comes from nginx, backed by MinIO', async () => {
    const before = await scrapeAuth();
    const cursor = await logCursor();

    // One playback, as a player does it.
    const json = await download(`/v1/videos/${DEMO_ID}/playback`, { Authorization: `Bearer ${tokenFor('bytes-viewer')}` });
    expect(json.status).toBe(200);
    const pb = JSON.parse(json.body.toString('utf8')) as Playback;
    const master = await download(pb.masterUrl);
    expect(master.status).toBe(200);
    const variants = [];
    for (const url of variantUris(master.body.toString('utf8'))) {
      const variant = await download(url);
      expect(variant.status).toBe(200);
      variants.push(variant);
    }
    expect(variants.length).toBe(pb.renditions.length);
    // The rendition a player on a good link settles on: the highest bandwidth.
    const top = pb.renditions.indexOf(pb.renditions.reduce((a, b) => (b.bandwidth > a.bandwidth ? b : a)));
    const segments = segmentUris(variants[top]!.body.toString('utf8'));
    let segmentBytes = 0;
    for (const url of segments) {
      const segment = await download(url);
      expect([200, 206]).toContain(segment.status);
      segmentBytes += segment.body.length;
    }

    const authRequests = 2 + variants.length; // playback JSON, master, variants
    const after = await scrapeAfter(before, authRequests);
    // Exactly our requests reached the auth service, and none for media.
    expect(requestsByRoute(after, before)).toEqual({
      'GET /v1/videos/:id/playback 200': 1,
      'GET /v1/hls/:id/*rest 200': 1 + variants.length,
    });
    const out = (labels: Record<string, string>) => labels.direction === 'out' && notProbes(labels);
    const backendOut = sum(after, BYTES, out) - sum(before, BYTES, out);
    const received = json.body.length + master.body.length + variants.reduce((n, v) => n + v.body.length, 0);

    expect(backendOut).toBeGreaterThanOrEqual(received);
    expect(backendOut).toBeLessThan(2 * received + HEADER_ALLOWANCE * authRequests);
    expect(backendOut).toBeLessThan(0.01 * segmentBytes);
    expect(after.filter((s) => s.labels.route?.includes('/media/')).map((s) => `${s.name}{route="${s.labels.route}"}`)).toEqual([]);

    // nginx wrote one line per request; those for segments show MinIO's answer, or
    // the edge cache's copy of it (a hit, or a copy MinIO confirmed with a 304).
    const lines = await linesSince(cursor, authRequests + segments.length);
    const media = lines.filter((l) => l.path.startsWith('/media/'));
    const paths = segments.map((s) => s.split('?')[0]);
    expect(media.map((l) => l.path).sort()).toEqual([...paths].sort());
    const served = (l: AccessLogLine) => (['200', '206'].includes(l.upstream_status) && l.cache === 'MISS') || (l.upstream_status === '' && l.cache === 'HIT') || (l.upstream_status === '304' && l.cache === 'REVALIDATED');
    expect(media.filter((l) => ![200, 206].includes(l.status) || !served(l))).toEqual([]);
  });
});
