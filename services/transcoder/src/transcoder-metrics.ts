import client from 'prom-client';
import { registerBuildInfo } from '@vidgate/common/build-info';
import pkg from '../package.json' with { type: 'json' };

export function createTranscoderMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'vidgate_transcoder_' });
  registerBuildInfo(registry, 'transcoder', pkg.version);
  return {
    registry,
    jobs: new client.Counter({ name: 'vidgate_transcode_jobs_total', help: 'Transcode jobs by outcome (ready, failed, skipped)', labelNames: ['outcome'], registers: [registry] }),
    duration: new client.Histogram({ name: 'vidgate_transcode_duration_seconds', help: 'Wall time of finished transcode jobs', labelNames: ['outcome'], buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600], registers: [registry] }),
    events: new client.Counter({ name: 'vidgate_upload_events_total', help: 'Bucket notifications received, by what was done with them', labelNames: ['result'], registers: [registry] }),
    sealed: new client.Counter({ name: 'vidgate_upload_seals_total', help: 'Completed uploads whose upload URLs were revoked, by result', labelNames: ['result'], registers: [registry] }),
    queueDepth: new client.Gauge({ name: 'vidgate_transcode_queue_depth', help: 'Jobs queued or running', registers: [registry] }),
    running: new client.Gauge({ name: 'vidgate_transcode_jobs_running', help: 'Jobs running now', registers: [registry] }),
    oldestWaiting: new client.Gauge({ name: 'vidgate_transcode_oldest_waiting_seconds', help: 'How long the longest-waiting job has waited (0: none waits)', registers: [registry] }),
    busy: new client.Counter({ name: 'vidgate_transcode_busy_seconds_total', help: 'Wall time spent running jobs, summed over this worker\'s slots', registers: [registry] }),
  };
}

export type TranscoderMetrics = ReturnType<typeof createTranscoderMetrics>;
