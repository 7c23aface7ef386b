import { connect } from 'node:net';
import { ORIGIN } from './test-stack.ts';

/**
 * GETs a URL over a fresh connection and returns every byte that arrived,
 * status line and headers included: exactly what nginx counts as bytes_sent.
 */
export function wireGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; wireBytes: number; body: Buffer }> {
  const u = new URL(url, ORIGIN);
  const lines = [`GET ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => socket.write(`${lines.join('\r\n')}\r\n\r\n`)); // no half-close: nginx would take it for an abort
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer from ${u.pathname} within 10 s`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const headEnd = all.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(all.subarray(0, 20).toString('latin1'))?.[1] ?? 0);
      resolve({ status, wireBytes: all.length, body: all.subarray(headEnd + 4) });
    });
  });
}
