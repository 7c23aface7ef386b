// Test data only: a line as nginx writes it, for the collector's unit tests.
/** A line as nginx's `log_format vidgate` writes it. */
export function accessLine(fields: Partial<Record<string, string | number>> = {}): string {
  return JSON.stringify({
    time: '2025-01-01T00:00:00+00:00', request_id: '0123456789abcdef0123456789abcdef', method: 'GET',
    path: '/media/videos/v1/720p/seg_1.ts', status: 200, bytes_sent: 1000, body_bytes_sent: 800,
    request_length: 300, request_time: 0.02, reject: '', upstream_status: '200', cache: '', ...fields,
  });
}

/** A line as nginx's `log_format vidgate_storage` writes it: one read of MinIO by the edge cache. */
export function storageLine(fields: Partial<Record<string, string>> = {}): string {
  return JSON.stringify({
    time: '2025-01-01T00:00:00+00:00', request_id: '0123456789abcdef0123456789abcdef', log: 'storage',
    path: '/media/videos/v1/720p/seg_1.ts', range: 'bytes=0-1048575', cache: 'MISS', upstream_status: '206', upstream_bytes: '1000', ...fields,
  });
}
