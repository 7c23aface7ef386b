import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AuthConfig } from '../auth-config.ts';

const awsEscape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Presigned PUT URLs for the public origin. The SigV4 signer of the AWS SDK is
 * used because it can sign Content-Type and Content-Length (the minio SDK never
 * does), so MinIO itself refuses an upload whose type or size differs from the
 * declared one.
 */
export function createPutPresigner(config: AuthConfig) {
  const origin = new URL(config.publicUrl);
  const signer = new SignatureV4({
    service: 's3',
    region: config.minio.region,
    credentials: { accessKeyId: config.minio.auth.accessKey, secretAccessKey: config.minio.auth.secretKey },
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
    applyChecksum: false,
  });
  return async (key: string, options: { ttlSeconds: number; contentLength: number; contentType?: string; query?: Record<string, string> }): Promise<string> => {
    const path = `/${config.minio.bucket}/${key}`;
    const headers: Record<string, string> = {
      host: origin.host,
      // The body is not known when presigning; the signer moves this into the query.
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'content-length': String(options.contentLength),
      ...(options.contentType ? { 'content-type': options.contentType } : {}),
    };
    const signed = await signer.presign(
      { method: 'PUT', protocol: origin.protocol, hostname: origin.hostname, port: origin.port ? Number(origin.port) : undefined, path, headers, query: { ...options.query } },
      { expiresIn: options.ttlSeconds, signableHeaders: new Set(['content-length', ...(options.contentType ? ['content-type'] : [])]) },
    );
    const query = Object.entries(signed.query ?? {}).map(([k, v]) => `${awsEscape(k)}=${awsEscape(String(v))}`).join('&');
    return `${origin.origin}${path}?${query}`;
  };
}
