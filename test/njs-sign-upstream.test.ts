import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';

// nginx reaches the private bucket with SigV4 headers computed in njs (only on a
// cache miss). Checked here against the AWS SDK's own signer, an independent
// implementation; test/edge-cache.test.ts shows MinIO accepting them.
const root = fileURLToPath(new URL('..', import.meta.url));

function njsSign(input: Record<string, string>): { amzDate: string; authorization: string } {
  const out = execFileSync('njs', ['-p', 'nginx/njs', 'test/njs/sign-upstream.js', JSON.stringify(input)], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim()) as { amzDate: string; authorization: string };
}

async function sdkAuthorization(input: Record<string, string>): Promise<string> {
  const [hostname, port] = input.host!.split(':');
  const signer = new SignatureV4({
    service: 's3', region: input.region!, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false, applyChecksum: false,
    credentials: { accessKeyId: input.accessKey!, secretAccessKey: input.secretKey! },
  });
  const path = `/${input.bucket}/${input.key!.split('/').map(encodeURIComponent).join('/')}`;
  const signed = await signer.sign(
    { method: 'GET', protocol: 'http:', hostname: hostname!, port: Number(port), path, headers: { host: input.host!, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, query: {} },
    { signingDate: new Date(input.now!) },
  );
  return String(signed.headers.authorization);
}

describe('njs upstream signing (SigV4, header form)', () => {
  const base = { bucket: 'vidgate-media', region: 'us-east-1', host: '127.0.0.1:9000', accessKey: 'vidgate-nginx', secretKey: 'a-secret-key-for-the-test', now: '2026-11-22T08:12:34.567Z' };
  it.each([
    'videos/demo/hls/720p/seg_00001.ts',
    'videos/demo/hls/master.m3u8',
    'videos/a/b+c=d,e@f~g_h-i.ts',
  ])('GET %s signs as the AWS SDK does', async (key) => {
    const input = { ...base, key };
    const signed = njsSign(input);
    expect(signed.amzDate).toBe('20261122T081234Z');
    expect(signed.authorization).toBe(await sdkAuthorization(input));
    expect(signed.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=vidgate-nginx\/20261122\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
  });
});
