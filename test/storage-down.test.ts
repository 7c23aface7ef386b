import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUrlSigner } from '@vidgate/common/url-signer';
import { startExtraNginx, type ExtraNginx } from './support/extra-nginx.ts';
import { contentType, inSeconds, jsonError, parseJson } from './support/media-fixtures.ts';
import { rawRequest, type RawResponse } from './support/raw-http.ts';

// MinIO unreachable: a player must get a quick JSON 502 it can retry, not a
// hang or an HTML page, and the origin itself stays up for its health checks.
const PORT = '18092';
let origin: ExtraNginx;
let signer: ReturnType<typeof createUrlSigner>;
const signed = (key: string) => signer.signPath(`/media/${key}`, inSeconds(600));

async function timed(target: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ res: RawResponse; ms: number }> {
  const started = performance.now();
  const res = await rawRequest(origin.origin, target, { method, headers });
  return { res, ms: performance.now() - started };
}

beforeAll(async () => {
  origin = await startExtraNginx('storage-down', { VIDGATE_ORIGIN_PORT: PORT, VIDGATE_MINIO_ENDPOINT: 'http://127.0.0.1:1' });
  signer = createUrlSigner(origin.config.signing);
});

afterAll(async () => {
  await origin?.nginx.stop();
});

describe('with MinIO on a closed port', () => {
  it('a validly signed request answers 502 storage_unavailable within 3 s', async () => {
    const { res, ms } = await timed(signed('it-down/seg_00000.ts'));
    expect({ status: res.status, body: parseJson(res.body) }).toEqual({ status: 502, body: jsonError('storage_unavailable') });
    expect(ms).toBeLessThan(3_000);
  });

  it('keeps answering 502 quickly on every retry, ranges and HEAD included', async () => {
    const attempts: [string, string, Record<string, string>][] = [
      [signed('it-down/a.ts'), 'GET', {}],
      [signed('it-down/a.ts'), 'GET', { Range: 'bytes=0-' }],
      [signed('it-down/a.ts'), 'HEAD', {}],
      [signed('it-down/master.m3u8'), 'GET', { 'If-None-Match': '"abc"' }],
      [signed('it-down/a.ts'), 'GET', {}],
    ];
    for (const [target, method, headers] of attempts) {
      const { res, ms } = await timed(target, method, headers);
      expect(res.status).toBe(502);
      expect(ms).toBeLessThan(3_000);
    }
  });

  it('still rejects a bad signature with 403 without asking storage', async () => {
    const { res } = await timed(signed('it-down/a.ts').replace(/kid=[^&]+/, 'kid=unknown'));
    expect({ status: res.status, body: parseJson(res.body) }).toEqual({ status: 403, body: jsonError('key_unknown') });
  });

  it('keeps serving /healthz', async () => {
    const res = await rawRequest(origin.origin, '/healthz');
    expect(res.status).toBe(200);
    expect(parseJson(res.body)).toMatchObject({ status: 'ok' });
  });

  // A 502 labelled video/mp2t or as a playlist would be handed to the demuxer.
  it('serves the 502 as application/json whatever the extension', async () => {
    const types = [];
    for (const key of ['it-down/seg_00000.ts', 'it-down/master.m3u8', 'it-down/clip.mp4', 'it-down/noext']) {
      types.push({ key, type: contentType((await timed(signed(key))).res) });
    }
    expect(types.filter((t) => t.type !== 'application/json')).toEqual([]);
  });
});
