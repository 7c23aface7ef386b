import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';

// nginx reaches the private bucket with SigV4 presigned in njs. Checked here
// against the AWS SDK's own signer, an independent implementation.
const root = fileURLToPath(new URL('..', import.meta.url));

function njsPresign(input: Record<string, string>): URL {
  const out = execFileSync('njs', ['-p', 'nginx/njs', 'test/njs/presign-upstream.js', JSON.stringify(input)], { cwd: root, encoding: 'utf8' });
  return new URL(out.trim(), `http://${input.host}`);
}

async function sdkSignature(input: Record<string, string>, path: string): Promise<string> {
  const [hostname, port] = input.host!.split(':');
  const signer = new SignatureV4({
    service: 's3', region: input.region!, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false, applyChecksum: false,
    credentials: { accessKeyId: input.accessKey!, secretAccessKey: input.secretKey! },
  });
  const signed = await signer.presign(
    { method: input.method!, protocol: 'http:', hostname: hostname!, port: Number(port), path, headers: { host: input.host!, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, query: {} },
    // UNSIGNED-PAYLOAD as the payload hash, kept out of the query and the signed headers, as njs does.
    { expiresIn: 60, signingDate: new Date(input.now!), unhoistableHeaders: new Set(['x-amz-content-sha256']), unsignableHeaders: new Set(['x-amz-content-sha256']) },
  );
  return String(signed.query!['X-Amz-Signature']);
}

describe('njs upstream presigning (SigV4)', () => {
  const base = { bucket: 'vidgate-media', region: 'us-east-1', host: '127.0.0.1:9000', accessKey: 'vidgate-nginx', secretKey: 'a-secret-key-for-the-test', now: '2026-11-22T08:12:34.567Z' };
  it.each([
    ['GET', 'videos/demo/hls/720p/seg_00001.ts'],
    ['HEAD', 'videos/demo/hls/master.m3u8'],
    ['GET', 'videos/a/b+c=d,e@f~g_h-i.ts'],
  ])('%s %s signs as the AWS SDK does', async (method, key) => {
    const input = { ...base, method, key };
    const url = njsPresign(input);
    expect(url.pathname).toBe(`/vidgate-media/${key.split('/').map(encodeURIComponent).join('/')}`);
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261122T081234Z');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('vidgate-nginx/20261122/us-east-1/s3/aws4_request');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(await sdkSignature(input, url.pathname));
  });
});
