import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessLine } from './access-line-fixture.ts';
import { createApp } from './app.ts';
import { createClassifier } from './classify.ts';
import { createLineCounter } from './count-lines.ts';
import { createLogTailer, type TailStatus } from './log-tailer.ts';
import { createOriginMetrics } from './origin-metrics.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidgate-collector-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The collector as server.ts wires it, over a log in a temp folder. */
async function collector() {
  const metrics = createOriginMetrics();
  const count = createLineCounter({ metrics, classify: createClassifier({ bucket: 'vidgate-media' }) });
  const tailer = await createLogTailer({
    file: join(dir, 'access.log'), stateFile: join(dir, 'state.json'), pollMs: 1_000,
    onLines: count, onProgress: (s) => metrics.lag.set(s.lagBytes),
  });
  return { tailer, app: createApp({ registry: metrics.registry, tailStatus: tailer.status }) };
}

const sample = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);

describe('collector app', () => {
  it('exposes what the log said on /metrics, and after a restart only what was added since', async () => {
    const log = join(dir, 'access.log');
    await writeFile(log, `${accessLine()}\nnot json\n${accessLine({ status: 403, reject: 'key_unknown', bytes_sent: 200 })}\n`);
    const first = await collector();
    await first.tailer.poll();
    const before = await request(first.app).get('/metrics').expect(200).expect('content-type', /text\/plain/);
    expect(sample(before.text, 'vidgate_origin_sent_bytes_total{kind="segment",cache="none"}')).toBe(1200);
    expect(sample(before.text, 'vidgate_media_rejected_total{reason="key_unknown"}')).toBe(1);
    expect(sample(before.text, 'vidgate_collector_lines_total')).toBe(3);
    expect(sample(before.text, 'vidgate_collector_lines_skipped_total')).toBe(1);
    expect(before.text).toMatch(/^vidgate_build_info\{service="collector",version="0\.1\.0",node="v[\d.]+"\} 1$/m);
    expect(before.text).toContain('vidgate_collector_process_cpu_seconds_total');
    await first.tailer.stop();

    await appendFile(log, `${accessLine({ bytes_sent: 50 })}\n{"partial":`);
    const second = await collector();
    await second.tailer.poll();
    const after = await request(second.app).get('/metrics').expect(200);
    expect(sample(after.text, 'vidgate_origin_sent_bytes_total{kind="segment",cache="none"}')).toBe(50);
    expect(sample(after.text, 'vidgate_collector_lines_total')).toBe(1);
    expect(sample(after.text, 'vidgate_collector_lag_bytes')).toBe('{"partial":'.length);
    await second.tailer.stop();
  });

  it('answers /healthz with 200 while the log can be followed and 503 when it cannot', async () => {
    let status: TailStatus = { offset: 0, lagBytes: 0 };
    const app = createApp({ registry: createOriginMetrics().registry, tailStatus: () => status });
    await request(app).get('/healthz').expect(200, { status: 'ok', pid: process.pid, lagBytes: 0 });
    status = { offset: 0, lagBytes: 0, error: 'EACCES: permission denied, open /var/log/nginx/access.log' };
    const res = await request(app).get('/healthz').expect(503);
    expect(res.body).toEqual({ error: 'not_ready', message: expect.any(String) });
    expect(res.text).not.toContain('/var/log');
    await request(app).get('/nope').expect(404);
  });
});
