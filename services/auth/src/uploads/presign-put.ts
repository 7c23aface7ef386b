import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SessionCredentials } from '@vidgate/common/upload-sessions';

const awsEscape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface PutOptions {
  ttlSeconds: number;
  contentLength: number;
  contentType?: string;
  /** Signs `If-None-Match: *`: MinIO refuses the PUT when the object already exists. */
  ifNoneMatch?: boolean;
  query?: Record<string, string>;
}

/**
 * Presigned PUT URLs for the public origin, signed with one upload's session
 * credentials. The SigV4 signer of the AWS SDK is used because it can sign
 * headers into the URL (the minio SDK never does): Content-Type,
 * Content-Length and If-None-Match must then be sent exactly as declared, or
 * MinIO refuses the upload.
 */
export function presignPut(origin: URL, storage: { bucket: string; region: string }, credentials: SessionCredentials, key: string, options: PutOptions): Promise<string> {
  const signer = new SignatureV4({
    service: 's3',
    region: storage.region,
    credentials: { accessKeyId: credentials.accessKey, secretAccessKey: credentials.secretKey, sessionToken: credentials.sessionToken },
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
    applyChecksum: false,
  });
  const path = `/${storage.bucket}/${key}`;
  const signed = {
    'content-length': String(options.contentLength),
    ...(options.contentType ? { 'content-type': options.contentType } : {}),
    ...(options.ifNoneMatch ? { 'if-none-match': '*' } : {}),
  };
  // The body is not known when presigning; the signer moves this into the query.
  const headers = { host: origin.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...signed };
  return signer
    .presign(
      { method: 'PUT', protocol: origin.protocol, hostname: origin.hostname, port: origin.port ? Number(origin.port) : undefined, path, headers, query: { ...options.query } },
      { expiresIn: options.ttlSeconds, signableHeaders: new Set(Object.keys(signed)) },
    )
    .then((request) => `${origin.origin}${path}?${Object.entries(request.query ?? {}).map(([k, v]) => `${awsEscape(k)}=${awsEscape(String(v))}`).join('&')}`);
}
