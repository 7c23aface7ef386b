import { describe, expect, it } from 'vitest';
import { accessLine, storageLine } from './access-line-fixture.ts';
import { createClassifier } from './classify.ts';
import { createLineCounter } from './count-lines.ts';
import { createOriginMetrics } from './origin-metrics.ts';

async function values(metric: { get(): Promise<{ values: { labels: object; value: number; metricName?: string }[] }> }) {
  return (await metric.get()).values.filter((v) => v.value !== 0);
}

describe('createLineCounter', () => {
  const setup = () => {
    const metrics = createOriginMetrics();
    return { metrics, count: createLineCounter({ metrics, classify: createClassifier({ bucket: 'vidgate-media' }) }) };
  };

  it('counts bytes, requests and latency by kind and status class', async () => {
    const { metrics, count } = setup();
    count([
      accessLine(),
      accessLine({ bytes_sent: 500 }),
      accessLine({ path: '/v1/hls/v1/master.m3u8', bytes_sent: 700, request_length: 400, status: 304 }),
      accessLine({ method: 'PUT', path: '/vidgate-media/uploads/u1/a.mp4', bytes_sent: 250, request_length: 5_000_000, status: 502, upstream_status: '502' }),
    ]);
    expect(await values(metrics.sentBytes)).toEqual([
      { labels: { kind: 'segment', cache: 'none' }, value: 1500 }, { labels: { kind: 'playlist', cache: 'none' }, value: 700 }, { labels: { kind: 'upload', cache: 'none' }, value: 250 },
    ]);
    expect(await values(metrics.receivedBytes)).toEqual([
      { labels: { kind: 'segment' }, value: 600 }, { labels: { kind: 'playlist' }, value: 400 }, { labels: { kind: 'upload' }, value: 5_000_000 },
    ]);
    expect(await values(metrics.requests)).toEqual([
      { labels: { kind: 'segment', status_class: '2xx' }, value: 2 },
      { labels: { kind: 'playlist', status_class: '3xx' }, value: 1 },
      { labels: { kind: 'upload', status_class: '5xx' }, value: 1 },
    ]);
    const durations = (await metrics.duration.get()).values;
    expect(durations.find((v) => v.metricName === 'vidgate_origin_request_duration_seconds_count' && v.labels.kind === 'segment')?.value).toBe(2);
    expect((await metrics.lines.get()).values[0]?.value).toBe(4);
  });

  it('counts rejections by reason, mapping unknown reasons to "other"', async () => {
    const { metrics, count } = setup();
    count([
      accessLine({ status: 403, reject: 'signature_invalid' }),
      accessLine({ status: 403, reject: 'signature_invalid' }),
      accessLine({ status: 410, reject: 'signature_expired' }),
      accessLine({ status: 403, reject: 'something_new' }),
    ]);
    expect(await values(metrics.rejected)).toEqual([
      { labels: { reason: 'signature_invalid' }, value: 2 },
      { labels: { reason: 'signature_expired' }, value: 1 },
      { labels: { reason: 'other' }, value: 1 },
    ]);
  });

  it('splits sent bytes by what the edge cache did, and counts what it read from MinIO, once per slice', async () => {
    const { metrics, count } = setup();
    count([
      accessLine({ cache: 'MISS', bytes_sent: 2_000_000 }),
      storageLine({ range: 'bytes=0-1048575', upstream_bytes: '1048900' }),
      storageLine({ range: 'bytes=1048576-2097151', upstream_bytes: '951000' }),
      accessLine({ cache: 'HIT', bytes_sent: 2_000_000 }),
      accessLine({ cache: 'HIT', bytes_sent: 2_000_000 }),
      accessLine({ cache: 'REVALIDATED', bytes_sent: 2_000_000 }),
      storageLine({ cache: 'EXPIRED', upstream_bytes: '300' }),
      // A node refused, the next answered: both reads count.
      storageLine({ upstream_bytes: '0, 1000' }),
    ]);
    expect(await values(metrics.sentBytes)).toEqual([
      { labels: { kind: 'segment', cache: 'hit' }, value: 4_000_000 },
      { labels: { kind: 'segment', cache: 'miss' }, value: 2_000_000 },
      { labels: { kind: 'segment', cache: 'revalidated' }, value: 2_000_000 },
    ]);
    expect(await values(metrics.storageBytes)).toEqual([{ labels: { kind: 'segment' }, value: 1048900 + 951000 + 300 + 1000 }]);
    expect(await values(metrics.storageReads)).toEqual([
      { labels: { kind: 'segment', cache: 'miss' }, value: 3 },
      { labels: { kind: 'segment', cache: 'expired' }, value: 1 },
    ]);
    // A storage line is not a request to the origin.
    expect(await values(metrics.requests)).toEqual([{ labels: { kind: 'segment', status_class: '2xx' }, value: 4 }]);
  });

  it('skips and counts lines that are not access log JSON', async () => {
    const { metrics, count } = setup();
    count(['not json', '{"method":"GET"}', accessLine({ status: '200' }), '', accessLine(), storageLine({ upstream_bytes: '12a' })]);
    expect((await metrics.lines.get()).values[0]?.value).toBe(6);
    expect((await metrics.skipped.get()).values[0]?.value).toBe(5);
    expect(await values(metrics.requests)).toEqual([{ labels: { kind: 'segment', status_class: '2xx' }, value: 1 }]);
  });
});
