import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BUCKET } from './support/media-fixtures.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';

// The limits per client address, as a client that is not exempt meets them:
// the suite speaks from 127.0.0.1, which the test stack exempts
// (VIDGATE_LIMIT_EXEMPT), and these tests from 127.0.0.2, which meets the
// defaults every deployment has.
const url = new URL(ORIGIN);
const LIMITED = '127.0.0.2';
const { api, upload, timeouts } = testConfig.limits;

function get(path: string, from: string, method = 'GET'): Promise<{ status: number; retryAfter?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, localAddress: from, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject).end();
  });
}

/** `count` requests from one address, 50 at a time (under the connection limit); their statuses, counted. */
async function burst(path: string, from: string, count: number, method = 'GET') {
  const answers: Awaited<ReturnType<typeof get>>[] = [];
  for (let sent = 0; sent < count; sent += 50) {
    answers.push(...(await Promise.all(Array.from({ length: Math.min(50, count - sent) }, () => get(path, from, method)))));
  }
  const refused = answers.filter((a) => a.status === 429);
  return { answers, refused, accepted: answers.length - refused.length };
}

describe('per-address request limits', () => {
  it(`/v1/ takes a burst of ${api.burst} above ${api.rate}/s from one address, then answers 429 JSON with Retry-After, other addresses unaffected`, async () => {
    const count = api.burst + 60;
    const { refused, accepted } = await burst('/v1/videos/demo', LIMITED, count);
    // The burst, plus what the rate refills while the requests arrive.
    expect(accepted).toBeGreaterThanOrEqual(api.burst);
    expect(accepted).toBeLessThan(count);
    expect(refused[0]).toMatchObject({ status: 429, retryAfter: '1' });
    expect(JSON.parse(refused[0]!.body)).toMatchObject({ error: 'too_many_requests' });
    // The exempt address is not held back meanwhile.
    const exempt = await burst('/v1/videos/demo', '127.0.0.1', 20);
    expect(exempt.refused).toEqual([]);
    // And the limited one is served again once the rate has refilled.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await get('/v1/videos/demo', LIMITED)).status).not.toBe(429);
  });

  it(`the upload routes take a burst of ${upload.burst} from one address, then answer 429`, async () => {
    // Presigned-looking PUTs reach the limit (a request refused outright, like a POST without a
    // form, never does); MinIO refuses the forged signature of the ones let through.
    const { refused, accepted } = await burst(`/${BUCKET}/uploads/it-limits/source?X-Amz-Signature=0`, LIMITED, upload.burst + 60, 'PUT');
    expect(accepted).toBeGreaterThanOrEqual(upload.burst);
    expect(refused.length).toBeGreaterThan(0);
    expect(JSON.parse(refused[0]!.body)).toMatchObject({ error: 'too_many_requests' });
  });

  it('media is not limited: a player fetches segments in bursts', async () => {
    const { refused } = await burst('/media/demo/welcome.txt', LIMITED, 300);
    expect(refused).toEqual([]);
  });
});

describe('per-address connection limit', () => {
  it(`holds ${testConfig.limits.connections} requests in progress from one address, and answers 429 beyond them`, async () => {
    const limit = testConfig.limits.connections;
    const refill = () => new Promise((r) => setTimeout(r, (api.burst / api.rate + 1) * 1000));
    await refill();
    // Requests in progress: POSTs whose bodies never finish arriving (within the body timeout).
    const slow = Array.from({ length: limit }, () => {
      const socket = connect({ host: url.hostname, port: Number(url.port), localAddress: LIMITED });
      socket.on('error', () => undefined).on('connect', () => socket.write(`POST /v1/uploads HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`));
      return socket;
    });
    try {
      // Let the request-rate bucket refill, so a refusal now can only be the connection limit.
      await refill();
      const during = await Promise.all(Array.from({ length: 5 }, () => get('/v1/videos/demo', LIMITED)));
      expect(during.map((a) => a.status)).toEqual([429, 429, 429, 429, 429]);
    } finally {
      for (const socket of slow) socket.destroy();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect((await get('/v1/videos/demo', LIMITED)).status).not.toBe(429);
  });
});

describe('slow clients', () => {
  it(`a client that never finishes its headers is let go after ${timeouts.header} s, not held`, async () => {
    const socket = connect({ host: url.hostname, port: Number(url.port), localAddress: LIMITED });
    const started = Date.now();
    socket.write(`GET /v1/videos/demo HTTP/1.1\r\nHost: ${url.host}\r\nX-Slow: `);
    const closedAfter = await new Promise<number>((resolve, reject) => {
      socket.setTimeout((timeouts.header + 10) * 1000, () => reject(new Error('still open')));
      socket.on('close', () => resolve(Date.now() - started)).on('error', () => undefined).resume();
    });
    socket.destroy();
    expect(closedAfter).toBeGreaterThanOrEqual((timeouts.header - 1) * 1000);
    expect(closedAfter).toBeLessThan((timeouts.header + 5) * 1000);
  });
});
