import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../services/common/src/audit.ts';
import { createMetrics as createAuthMetrics } from '../services/auth/src/http/metrics.ts';
import { createApp as createCollectorApp } from '../services/collector/src/app.ts';
import { createClassifier } from '../services/collector/src/classify.ts';
import { createLineCounter } from '../services/collector/src/count-lines.ts';
import { createOriginMetrics } from '../services/collector/src/origin-metrics.ts';
import { REPO_ROOT } from '../services/stack/src/paths.ts';
import { metricsProblems, runPromtool } from './support/promtool.ts';
import { createTranscoderMetrics } from '../services/transcoder/src/transcoder-metrics.ts';

// Checks deploy/prometheus and deploy/grafana with promtool (Prometheus 2.42+)
// and against the metric names the services really export. Needs no stack.
const PROMETHEUS_DIR = resolve(REPO_ROOT, 'deploy/prometheus');
const GRAFANA_DIR = resolve(REPO_ROOT, 'deploy/grafana');

const promtool = (args: string[], options: { stdin?: string; cwd?: string } = {}) => runPromtool(args, { cwd: PROMETHEUS_DIR, ...options });

const ruleFiles = async () => (await readdir(resolve(PROMETHEUS_DIR, 'rules'))).filter((f) => f.endsWith('.yml')).map((f) => `rules/${f}`);

/** Every name a dashboard or rule may use: what the services export, and the recording rules. */
async function knownNames(): Promise<Set<string>> {
  // The audit log's counter joins the auth service's registry (app.ts); creating the log opens nothing.
  const auth = createAuthMetrics();
  auth.registry.registerMetric(createAuditLog({} as Pool).failures);
  const registries = [createOriginMetrics().registry, auth.registry, createTranscoderMetrics().registry];
  const names = new Set<string>();
  for (const registry of registries) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  const recording = await readFile(resolve(PROMETHEUS_DIR, 'rules/recording.yml'), 'utf8');
  for (const m of recording.matchAll(/^\s*- record:\s*(\S+)/gm)) names.add(m[1]!);
  return names;
}

/** Vidgate metric and rule names mentioned in a text (job names like vidgate-auth are not). */
const mentioned = (text: string) => [...text.matchAll(/\bvidgate[_:][A-Za-z0-9_:]*/g)].map((m) => m[0]);

async function collectorMetricsText(): Promise<string> {
  const metrics = createOriginMetrics();
  createLineCounter({ metrics, classify: createClassifier({ bucket: 'vidgate-media' }) })([
    '{"method":"GET","path":"/media/v/seg_1.ts","status":200,"bytes_sent":1000,"request_length":300,"request_time":0.02,"reject":""}',
    'not json',
  ]);
  const app = createCollectorApp({ registry: metrics.registry, tailStatus: () => ({ offset: 0, lagBytes: 0 }) });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    expect(res.status).toBe(200);
    return await res.text();
  } finally {
    server.close();
  }
}

describe('Prometheus configuration', () => {
  it('passes promtool check config (rule files found beside it)', async () => {
    const run = await promtool(['check', 'config', 'prometheus.yml']);
    expect(run.out).toContain('SUCCESS');
    expect(run.code, run.out).toBe(0);
  });

  it('has rule files that pass promtool check rules', async () => {
    const files = await ruleFiles();
    expect(files).toEqual(['rules/alerts.yml', 'rules/recording.yml']);
    const run = await promtool(['check', 'rules', ...files]);
    expect(run.code, run.out).toBe(0);
  });

  const ruleTests = async () => (await readdir(resolve(PROMETHEUS_DIR, 'tests'))).filter((f) => f.endsWith('.test.yml')).map((f) => `tests/${f}`);

  it('passes its rule unit tests (offload ratio, edge cache ratios, alerts)', async () => {
    const files = await ruleTests();
    expect(files).toEqual(['tests/auth-errors.test.yml', 'tests/edge-cache.test.yml', 'tests/offload-ratio.test.yml', 'tests/transcode-queue.test.yml']);
    const run = await promtool(['test', 'rules', ...files]);
    expect(run.code, run.out).toBe(0);
  });

  it('refers only to metrics the services export, in rules and rule tests alike', async () => {
    const known = await knownNames();
    for (const file of [...(await ruleFiles()), ...(await ruleTests())]) {
      const names = mentioned(await readFile(resolve(PROMETHEUS_DIR, file), 'utf8'));
      expect(names.length, file).toBeGreaterThan(0);
      expect(names.filter((n) => !known.has(n)), file).toEqual([]);
    }
  });
});

describe('every service\'s /metrics', () => {
  const services = {
    auth: async () => createAuthMetrics().registry.metrics(),
    transcoder: async () => createTranscoderMetrics().registry.metrics(),
    collector: collectorMetricsText,
  };
  it.each(Object.entries(services))('%s passes promtool check metrics, but for the prom-client default gauges named *_total', async (name, text) => {
    expect(await metricsProblems(name, await text())).toEqual([]);
  });
});

describe('Grafana dashboard', () => {
  interface Panel { id: number; title: string; datasource: { uid: string }; targets: { expr: string; refId: string }[] }

  it('uses the provisioned datasource and only known metrics, in valid PromQL', async () => {
    const dashboard = JSON.parse(await readFile(resolve(GRAFANA_DIR, 'dashboards/vidgate.json'), 'utf8')) as { uid: string; panels: Panel[] };
    const datasource = await readFile(resolve(GRAFANA_DIR, 'provisioning/datasources/prometheus.yml'), 'utf8');
    const uid = /^\s*uid:\s*(\S+)/m.exec(datasource)?.[1];
    expect(dashboard.uid).toBe('vidgate-origin');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);

    const known = await knownNames();
    const exprs: string[] = [];
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(uid);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const names = mentioned(expr);
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        expect(names.filter((n) => !known.has(n)), `${panel.title}: ${expr}`).toEqual([]);
        exprs.push(expr);
      }
    }
    // promtool parses PromQL in rule files: one recording rule per expression.
    const dir = await mkdtemp(join(tmpdir(), 'vidgate-dashboard-'));
    try {
      const rules = exprs.map((e, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(e.replaceAll('$__rate_interval', '5m'))}`);
      await writeFile(join(dir, 'dashboard.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const run = await promtool(['check', 'rules', 'dashboard.yml'], { cwd: dir });
      expect(run.code, run.out).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
