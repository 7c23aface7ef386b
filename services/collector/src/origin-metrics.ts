import client from 'prom-client';
import { registerBuildInfo } from '@vidgate/common/build-info';
import pkg from '../package.json' with { type: 'json' };
import { REQUEST_KINDS } from './classify.ts';

/** The reasons nginx writes to `reject` (nginx/njs/vidgate.js); anything else is counted as "other". */
const REJECT_REASONS = [
  'signature_missing', 'signature_invalid', 'key_unknown', 'query_not_allowed', 'path_invalid', 'signature_expired',
] as const;
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/**
 * nginx's $upstream_cache_status, lower-cased; "none" for a response the cache
 * had no part in (pages, /v1/, refusals). hit, stale, updating and revalidated
 * were sent from the cache's copy.
 */
const CACHE_STATUSES = ['hit', 'miss', 'expired', 'stale', 'updating', 'revalidated', 'bypass', 'none'] as const;

export function cacheStatus(status: string): string {
  const lower = status.toLowerCase();
  return lower === '' ? 'none' : (CACHE_STATUSES as readonly string[]).includes(lower) ? lower : 'other';
}

export function rejectReason(reject: string): string {
  return (REJECT_REASONS as readonly string[]).includes(reject) ? reject : 'other';
}

export function statusClass(status: number): string {
  const digit = Math.floor(status / 100);
  return digit >= 1 && digit <= 5 ? `${digit}xx` : 'other';
}

/**
 * The collector's metrics, on a registry of its own (fresh counters for each
 * test). Every label takes values from a fixed set: kind, status class, reason.
 * Known series start at 0 so that rate() and ratios have data before the first hit.
 */
export function createOriginMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'vidgate_collector_' });
  const registers = [registry];
  const metrics = {
    registry,
    sentBytes: new client.Counter({ name: 'vidgate_origin_sent_bytes_total', help: "Bytes nginx sent to clients (headers included), by kind of request and the edge cache's part in it", labelNames: ['kind', 'cache'], registers }),
    storageBytes: new client.Counter({ name: 'vidgate_storage_read_bytes_total', help: 'Bytes nginx read from MinIO to fill or check its edge cache (headers included), by kind of object', labelNames: ['kind'], registers }),
    storageReads: new client.Counter({ name: 'vidgate_storage_reads_total', help: 'Reads of MinIO by the edge cache (one per object or slice), by kind and why (miss, expired, ...)', labelNames: ['kind', 'cache'], registers }),
    receivedBytes: new client.Counter({ name: 'vidgate_origin_received_bytes_total', help: 'Bytes of requests nginx received (request line, headers and body), by kind', labelNames: ['kind'], registers }),
    requests: new client.Counter({ name: 'vidgate_origin_requests_total', help: 'Requests nginx answered, by kind and status class', labelNames: ['kind', 'status_class'], registers }),
    rejected: new client.Counter({ name: 'vidgate_media_rejected_total', help: 'Media requests nginx refused, by reason', labelNames: ['reason'], registers }),
    duration: new client.Histogram({
      name: 'vidgate_origin_request_duration_seconds', help: 'Time nginx spent on a request, first byte read to last byte sent, by kind',
      labelNames: ['kind'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    }),
    lines: new client.Counter({ name: 'vidgate_collector_lines_total', help: 'Access log lines read, malformed ones included', registers }),
    skipped: new client.Counter({ name: 'vidgate_collector_lines_skipped_total', help: 'Access log lines skipped because they were not valid access log JSON', registers }),
    lag: new client.Gauge({ name: 'vidgate_collector_lag_bytes', help: 'Bytes of the access log not read yet (file size minus offset)', registers }),
  };
  for (const kind of REQUEST_KINDS) {
    for (const cache of CACHE_STATUSES) metrics.sentBytes.inc({ kind, cache }, 0);
    metrics.storageBytes.inc({ kind }, 0);
    metrics.receivedBytes.inc({ kind }, 0);
    for (const status_class of STATUS_CLASSES) metrics.requests.inc({ kind, status_class }, 0);
  }
  for (const reason of [...REJECT_REASONS, 'other']) metrics.rejected.inc({ reason }, 0);
  registerBuildInfo(registry, 'collector', pkg.version);
  return metrics;
}

export type OriginMetrics = ReturnType<typeof createOriginMetrics>;
