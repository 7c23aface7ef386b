import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stackPaths } from '../../services/stack/src/paths.ts';
import { testConfig } from './test-stack.ts';

/**
 * One line of nginx's JSON access log: a client request (log_format vidgate in
 * nginx.conf.template), or, with "log":"storage", a read of MinIO by the edge
 * cache (log_format vidgate_storage).
 */
export interface AccessLogLine {
  log?: 'storage';
  method: string;
  path: string;
  status: number;
  reject: string;
  upstream_status: string;
  cache: string;
  [field: string]: unknown;
}

export const ACCESS_LOG = resolve(stackPaths(testConfig.dataDir).nginxLogs, 'access.log');

/** Byte offset of the log's end: lines written after it belong to requests sent after it. */
export async function logCursor(file = ACCESS_LOG): Promise<number> {
  return stat(file).then((s) => s.size, () => 0);
}

/**
 * Waits (up to a deadline) until `count` complete client request lines follow
 * the cursor and returns them, in order; with `storage`, the storage lines
 * written by then too, in their place. nginx writes a line when it finalises
 * the request, which may be just after the client has read the response.
 */
export async function linesSince(cursor: number, count = 1, { file = ACCESS_LOG, timeoutMs = 3_000, storage = false } = {}): Promise<AccessLogLine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFrom(file, cursor);
    const all = text.split('\n').slice(0, -1).map((l) => JSON.parse(l) as AccessLogLine); // the last piece is incomplete or empty
    const requests = all.filter((l) => l.log !== 'storage');
    if (requests.length >= count) return storage ? all : requests;
    if (Date.now() > deadline) throw new Error(`expected ${count} new access log line(s) in ${file} within ${timeoutMs} ms, got ${requests.length}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function readFrom(file: string, cursor: number): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const buf = Buffer.alloc(Math.max(0, size - cursor));
    await handle.read(buf, 0, buf.length, cursor);
    return buf.toString('utf8');
  } finally {
    await handle.close();
  }
}
