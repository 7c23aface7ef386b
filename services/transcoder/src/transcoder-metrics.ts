import client from 'prom-client';
import { registerBuildInfo } from '@vidgate/common/build-info';
import pkg from '../package.json' with { type: 'json' };
import type { Lease, QueueStats } from './job-store.ts';
import type { AttemptResult } from './worker.ts';

export interface MetricSources {
  /** The shared queue, read from the database at each scrape. */
  queue(): Promise<QueueStats>;
  /** This worker: its slots, those busy, and the seconds they have been busy so far. */
  slots(): { total: number; busy: number; busySeconds: number };
}

/**
 * The transcoder's metrics. The queue gauges come from the transcode_jobs
 * table at each scrape, so every worker reports the same deployment-wide
 * values (aggregate them with max, not sum); the rest are this worker's own.
 */
export function createTranscoderMetrics(sources?: MetricSources) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'vidgate_transcoder_' });
  registerBuildInfo(registry, 'transcoder', pkg.version);
  let queue: Promise<QueueStats | undefined> | undefined;
  /** One query per scrape, shared by the four queue gauges; NaN when the database does not answer. */
  const fromQueue = (pick: (s: QueueStats) => number) => async function (this: client.Gauge) {
    // The registry collects every metric at once: the gauges of one scrape share the query in flight.
    queue ??= (sources?.queue() ?? Promise.resolve(undefined)).catch(() => undefined).finally(() => (queue = undefined));
    const stats = await queue;
    this.set(stats ? pick(stats) : Number.NaN);
  };
  let reportedBusy = 0;
  return {
    registry,
    jobs: new client.Counter({ name: 'vidgate_transcode_jobs_total', help: 'Transcode jobs this worker ended, by outcome (ready, failed, skipped)', labelNames: ['outcome'], registers: [registry] }),
    attempts: new client.Counter({ name: 'vidgate_transcode_attempts_total', help: 'Attempts this worker ran, by how each ended (ready, failed, skipped, retried, lease_lost, released, gave_up)', labelNames: ['result'], registers: [registry] }),
    jobAttempts: new client.Histogram({ name: 'vidgate_transcode_job_attempts', help: 'Attempts each job this worker ended took', buckets: [1, 2, 3, 5, 10], registers: [registry] }),
    duration: new client.Histogram({ name: 'vidgate_transcode_duration_seconds', help: 'Wall time of the last attempt of the jobs this worker ended', labelNames: ['outcome'], buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600], registers: [registry] }),
    wait: new client.Histogram({ name: 'vidgate_transcode_wait_seconds', help: 'From a job queued to its claim by this worker', buckets: [0.1, 0.5, 1, 2, 5, 15, 30, 60, 300, 900, 1800, 3600], registers: [registry] }),
    events: new client.Counter({ name: 'vidgate_upload_events_total', help: 'Bucket notifications received, by what was done with them', labelNames: ['result'], registers: [registry] }),
    sealed: new client.Counter({ name: 'vidgate_upload_seals_total', help: 'Completed uploads whose upload URLs were revoked, by result', labelNames: ['result'], registers: [registry] }),
    queueDepth: new client.Gauge({ name: 'vidgate_transcode_queue_depth', help: 'Jobs queued or running, over all workers (from the database)', registers: [registry], collect: fromQueue((s) => s.queued + s.running + s.expired) }),
    running: new client.Gauge({ name: 'vidgate_transcode_jobs_running', help: 'Jobs running under a live lease, over all workers (from the database)', registers: [registry], collect: fromQueue((s) => s.running) }),
    expired: new client.Gauge({ name: 'vidgate_transcode_leases_expired', help: 'Jobs whose worker stopped renewing their lease, waiting to be claimed again (from the database)', registers: [registry], collect: fromQueue((s) => s.expired) }),
    oldestWaiting: new client.Gauge({ name: 'vidgate_transcode_oldest_waiting_seconds', help: 'How long the longest-waiting job has waited since it was queued (0: none waits; from the database)', registers: [registry], collect: fromQueue((s) => s.oldestWaitingSeconds) }),
    slots: new client.Gauge({ name: 'vidgate_transcode_slots', help: 'Jobs this worker may run at once', registers: [registry], collect() { this.set(sources?.slots().total ?? 0); } }),
    slotsBusy: new client.Gauge({ name: 'vidgate_transcode_slots_busy', help: 'Jobs running on this worker now', registers: [registry], collect() { this.set(sources?.slots().busy ?? 0); } }),
    busy: new client.Counter({
      name: 'vidgate_transcode_busy_seconds_total', help: 'Wall time this worker\'s slots spent on jobs, running ones included', registers: [registry],
      collect() {
        const busySeconds = sources?.slots().busySeconds ?? 0;
        if (busySeconds > reportedBusy) this.inc(busySeconds - reportedBusy);
        reportedBusy = Math.max(reportedBusy, busySeconds);
      },
    }),
  };
}

export type TranscoderMetrics = ReturnType<typeof createTranscoderMetrics>;

/** One attempt's end: every attempt is counted; a job's end (ready, failed, skipped) also by outcome, attempts and time. */
export function countAttempt(metrics: TranscoderMetrics, lease: Lease, result: AttemptResult, seconds: number): void {
  metrics.attempts.inc({ result });
  const outcome = result === 'gave_up' ? 'failed' : result === 'ready' || result === 'failed' || result === 'skipped' ? result : undefined;
  if (!outcome) return;
  metrics.jobs.inc({ outcome });
  metrics.jobAttempts.observe(lease.attempt);
  metrics.duration.observe({ outcome }, seconds);
}
