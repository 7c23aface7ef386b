import { parseAccessLine } from './access-line.ts';
import type { Classify } from './classify.ts';
import { cacheStatus, rejectReason, statusClass, type OriginMetrics } from './origin-metrics.ts';

export interface LineCounterOptions {
  metrics: OriginMetrics;
  classify: Classify;
}

/** Adds a batch of access log lines to the counters; a line that does not parse is counted as skipped. */
export function createLineCounter({ metrics, classify }: LineCounterOptions): (lines: readonly string[]) => void {
  return (lines) => {
    for (const text of lines) {
      metrics.lines.inc();
      const line = parseAccessLine(text);
      if (!line) {
        metrics.skipped.inc();
        continue;
      }
      const kind = classify({ method: line.type === 'storage' ? 'GET' : line.method, path: line.path });
      if (line.type === 'storage') {
        metrics.storageBytes.inc({ kind }, line.upstream_bytes);
        metrics.storageReads.inc({ kind, cache: cacheStatus(line.cache) });
        continue;
      }
      metrics.sentBytes.inc({ kind, cache: cacheStatus(line.cache) }, line.bytes_sent);
      metrics.receivedBytes.inc({ kind }, line.request_length);
      metrics.requests.inc({ kind, status_class: statusClass(line.status) });
      metrics.duration.observe({ kind }, line.request_time);
      if (line.reject !== '') metrics.rejected.inc({ reason: rejectReason(line.reject) });
    }
  };
}
