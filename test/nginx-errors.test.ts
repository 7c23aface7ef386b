import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@vidgate/common/errors';
import { connect } from 'node:net';
import { BUCKET } from './support/media-fixtures.ts';
import { ORIGIN } from './support/test-stack.ts';

// Every error nginx produces itself, from a malformed request line to a body
// over the limit, is JSON in the services' shape, with a code from their one
// table (services/common/src/errors.ts) and that code's status.
const host = new URL(ORIGIN).host;

/** Sends `head` as is and reads one response: done once its Content-Length bytes are in (nginx may linger to drain a body never sent). */
function exchange(head: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const url = new URL(ORIGIN);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let data = Buffer.alloc(0);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no complete answer within 10 s')));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const split = data.indexOf('\r\n\r\n');
      if (split < 0) return;
      const [statusLine, ...lines] = data.subarray(0, split).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const body = data.subarray(split + 4);
      if (body.length < Number(headers['content-length'] ?? 0)) return;
      socket.destroy();
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8') });
    });
    socket.write(head);
  });
}

const cases: [name: string, head: string, status: number, code: keyof typeof ERROR_CODES][] = [
  ['a malformed request line', 'GET /a b c d HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad_request'],
  ['a request without Host', 'GET /media/x HTTP/1.1\r\nConnection: close\r\n\r\n', 400, 'bad_request'],
  ['a refused method on the pages', `DELETE /index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 405, 'method_not_allowed'],
  ['a body over the upload limit', `PUT /${BUCKET}/uploads/x/source?X-Amz-Signature=0 HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 99999999999999\r\nConnection: close\r\n\r\n`, 413, 'payload_too_large'],
  ['a request line over the limit', `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 414, 'uri_too_long'],
  ['headers over the limit', `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'b'.repeat(9000)}\r\nConnection: close\r\n\r\n`, 431, 'request_header_too_large'],
  ['an unsupported transfer coding', `POST /v1/uploads HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n`, 501, 'not_implemented'],
  ['an unsupported HTTP version', `GET / HTTP/3.0\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 505, 'http_version_not_supported'],
  ['a missing page', `GET /no-such-page.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 404, 'not_found'],
  // Not nginx's HTML redirect to the slash form, which named the client's Host header.
  ...['/media', '/v1', `/${BUCKET}/uploads`].map((path): (typeof cases)[number] => [
    `${path} without its slash, under a forged Host`, `GET ${path}?exp=1&kid=k&sig=x HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`, 404, 'not_found',
  ]),
  ['a method no API route has', `FOO /v1/videos HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 405, 'method_not_allowed'],
  ['an API request without Host (HTTP/1.0): passed on with a host, so the service answers', 'GET /v1/videos HTTP/1.0\r\n\r\n', 401, 'token_missing'],
  ['a sub-resource on an upload URL (tagging: another S3 operation)', `PUT /${BUCKET}/uploads/x/source?tagging&X-Amz-Signature=1&X-Amz-Credential=a HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`, 403, 'query_not_allowed'],
  ['an ACL sub-resource on an upload URL', `PUT /${BUCKET}/uploads/x/source?X-Amz-Signature=1&acl= HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`, 403, 'query_not_allowed'],
];

describe("nginx's own errors", () => {
  it.each(cases)('%s: JSON with a known code and its status', async (_name, head, status, code) => {
    const res = await exchange(head);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json(;|$)/);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(res.body) as { error: string; message: string };
    expect(body.error).toBe(code);
    expect(ERROR_CODES[code]).toBe(status);
    expect(typeof body.message).toBe('string');
    expect(res.body).not.toMatch(/<html|nginx/i);
    if (status === 405) expect(res.headers.allow).toBeTruthy();
  });
});
