import { describe, expect, it } from 'vitest';
import { settledCollector, sum, type Sample } from './support/prometheus.ts';
import { freshId, hlsObjects, playback, publishDemoCopy, segmentUris, tokenFor, variantUris } from './support/videos.ts';

// The point of the edge cache, as the collector's metrics show it: twenty
// viewers of one video make MinIO send each segment once, while the origin
// sends twenty copies.
const VIEWERS = 20;
const figure = (message: string) => console.log(`[figures] ${message}`);

/** One viewer: the master, every variant and every segment of each, as a player switching renditions would fetch them. */
async function view(id: string): Promise<number> {
  const pb = await playback(id, tokenFor(freshId('edge-viewer')));
  const master = await fetch(pb.masterUrl);
  let segments = 0;
  for (const variant of variantUris(await master.text())) {
    const variantUrl = new URL(variant, pb.masterUrl);
    for (const uri of segmentUris(await (await fetch(variantUrl)).text())) {
      const res = await fetch(new URL(uri, variantUrl));
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      segments++;
    }
  }
  return segments;
}

const segmentBytes = (samples: readonly Sample[], name: string) => sum(samples, name, (l) => l.kind === 'segment');

describe(`${VIEWERS} viewers of one video`, () => {
  it('read each segment from MinIO once, while the origin sends every viewer a copy', async () => {
    const id = freshId('edge-offload');
    await publishDemoCopy(id);
    const stored = (await hlsObjects(id)).filter((o) => o.key.endsWith('.ts'));
    const oneCopy = stored.reduce((total, o) => total + o.size, 0);
    const before = await settledCollector();
    let requests = 0;
    for (let i = 0; i < VIEWERS; i++) requests += await view(id);
    expect(requests).toBe(VIEWERS * stored.length);
    const after = await settledCollector();

    const read = segmentBytes(after, 'vidgate_storage_read_bytes_total') - segmentBytes(before, 'vidgate_storage_read_bytes_total');
    const sent = segmentBytes(after, 'vidgate_origin_sent_bytes_total') - segmentBytes(before, 'vidgate_origin_sent_bytes_total');
    const readsWhen = (cache: string) => sum(after, 'vidgate_storage_reads_total', (l) => l.kind === 'segment' && l.cache === cache) - sum(before, 'vidgate_storage_reads_total', (l) => l.kind === 'segment' && l.cache === cache);
    const reads = readsWhen('miss');
    // A copy older than VIDGATE_EDGE_CACHE_FRESH (5 s here) is checked with a conditional
    // request (304, headers only) when the twenty views take longer than that on a busy machine.
    const checks = sum(after, 'vidgate_storage_reads_total', (l) => l.kind === 'segment') - sum(before, 'vidgate_storage_reads_total', (l) => l.kind === 'segment') - reads;
    expect(checks).toBeLessThanOrEqual(VIEWERS * stored.length / 4);
    // One read per segment (each under one slice), its bytes plus MinIO's response headers, and the checks' headers.
    expect(reads).toBe(stored.length);
    expect(read).toBeGreaterThanOrEqual(oneCopy);
    expect(read).toBeLessThan(oneCopy + (stored.length + checks) * 1_000);
    // Twenty copies to the viewers, each with nginx's response headers.
    expect(sent).toBeGreaterThanOrEqual(VIEWERS * oneCopy);
    expect(sent).toBeLessThan(VIEWERS * (oneCopy + stored.length * 600));
    figure(`${VIEWERS} viewers of one video (${stored.length} segments, ${(oneCopy / 1e6).toFixed(2)} MB): MinIO sent ${(read / 1e6).toFixed(2)} MB in ${reads} reads and ${checks} freshness checks, the origin ${(sent / 1e6).toFixed(1)} MB (storage ÷ origin ${(read / sent).toFixed(3)})`);
  });
});
