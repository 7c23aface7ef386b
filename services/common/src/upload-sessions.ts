import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import type { Credentials, StorageConfig } from './config/sections.ts';
import { AppError } from './errors.ts';

/**
 * One-purpose storage credentials for one upload. The auth service asks MinIO
 * (STS AssumeRole) for temporary credentials whose session policy allows one
 * thing only, writing that upload's source object (a single PUT, a POST form or
 * multipart parts), and presigns the upload's URLs with them. Each session is
 * tagged with the upload (TokenRevokeType), so once the upload has completed
 * it is revoked and every URL signed with it stops working: MinIO enforces
 * both, whatever our code does next.
 */
export interface SessionCredentials extends Credentials {
  readonly sessionToken: string;
}

/** The tag every session of one upload carries: what revocation names. */
export const uploadSessionType = (videoId: string) => `upload-${videoId}`;

/** STS refuses sessions shorter than 15 minutes. */
const MIN_SESSION_SECONDS = 900;
const xml = new XMLParser();

function sigV4(storage: StorageConfig, credentials: Credentials, service: 's3' | 'sts') {
  return new SignatureV4({
    service,
    region: storage.region,
    credentials: { accessKeyId: credentials.accessKey, secretAccessKey: credentials.secretKey },
    sha256: Hash.bind(null, 'sha256'),
  });
}

/** A signed POST to MinIO's own endpoint; the answer's text, or a storage error naming what was refused. */
async function signedPost(storage: StorageConfig, credentials: Credentials, service: 's3' | 'sts', path: string, query: Record<string, string>, body?: string): Promise<string> {
  const endpoint = new URL(storage.endpoint);
  const headers: Record<string, string> = { host: endpoint.host, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) };
  const request = { method: 'POST', protocol: endpoint.protocol, hostname: endpoint.hostname, port: endpoint.port ? Number(endpoint.port) : undefined, path, query, headers, body };
  const signed = await sigV4(storage, credentials, service).sign(request);
  const search = new URLSearchParams(query).toString();
  let res: Response;
  try {
    res = await fetch(`${endpoint.origin}${path}${search ? `?${search}` : ''}`, { method: 'POST', headers: signed.headers, body, signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    throw new AppError('storage_unavailable', 'object storage is unavailable', { cause: String((err as Error).message ?? err) });
  }
  const text = await res.text();
  if (!res.ok) throw new AppError('storage_unavailable', 'object storage refused a session request', { cause: `${service} ${res.status}: ${text.slice(0, 300)}` });
  return text;
}

/** Temporary credentials that may only write `objectKey` (and its multipart parts), for `seconds`. */
export async function assumeUploadSession(storage: StorageConfig, user: Credentials, upload: { videoId: string; objectKey: string }, seconds: number): Promise<SessionCredentials> {
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${storage.bucket}/${upload.objectKey}`] }],
  };
  const body = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    DurationSeconds: String(Math.max(MIN_SESSION_SECONDS, seconds)),
    Policy: JSON.stringify(policy),
    TokenRevokeType: uploadSessionType(upload.videoId),
  }).toString();
  const answer = xml.parse(await signedPost(storage, user, 'sts', '/', {}, body));
  const credentials = answer?.AssumeRoleResponse?.AssumeRoleResult?.Credentials;
  if (typeof credentials?.AccessKeyId !== 'string' || typeof credentials.SecretAccessKey !== 'string' || typeof credentials.SessionToken !== 'string') {
    throw new AppError('storage_unavailable', 'object storage gave no session credentials');
  }
  return Object.freeze({ accessKey: credentials.AccessKeyId, secretKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken });
}

/**
 * Revokes every session of one upload made by `parentUser` (the auth
 * service's MinIO user). The auth service revokes its own; the transcoder,
 * whose policy allows it, revokes them when MinIO reports the upload complete.
 */
export async function revokeUploadSessions(storage: StorageConfig, requester: Credentials, parentUser: string, videoId: string): Promise<void> {
  await signedPost(storage, requester, 's3', '/minio/admin/v3/revoke-tokens/builtin', { user: parentUser, tokenRevokeType: uploadSessionType(videoId) });
}
