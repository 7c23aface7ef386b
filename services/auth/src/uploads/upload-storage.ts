import { text } from 'node:stream/consumers';
import { Client } from 'minio';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import { minioClient, minioClientOptions } from '@vidgate/common/minio-store';
import { assumeUploadSession, revokeUploadSessions } from '@vidgate/common/upload-sessions';
import { videoKeys } from '@vidgate/common/video';
import { presignPut } from './presign-put.ts';

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** The URLs of one upload, all signed with its one-purpose session: they can write its source and nothing else. */
export interface UploadUrls {
  /** A single PUT of exactly `size` bytes of `contentType`, only while the source does not exist. */
  put(contentType: string, size: number): Promise<string>;
  /** An HTML form POST (policy) of 1..maxBytes bytes of `contentType`. */
  post(contentType: string, maxBytes: number): Promise<{ url: string; fields: Record<string, string> }>;
  /** One multipart part of exactly `size` bytes. */
  part(uploadId: string, part: { partNumber: number; size: number }): Promise<string>;
}

/** What the upload routes need from storage: sessions for presigning, multipart bookkeeping, and revocation. */
export interface UploadStorage {
  /** URLs for the upload of video `videoId`, valid `ttlSeconds`. */
  urls(videoId: string, ttlSeconds: number): Promise<UploadUrls>;
  createMultipart(videoId: string, contentType: string): Promise<string>;
  listParts(videoId: string, uploadId: string): Promise<UploadedPart[]>;
  /** Completes only while the source does not exist yet (If-None-Match: *), so a finished source is never replaced. */
  completeMultipart(videoId: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void>;
  abortMultipart(videoId: string, uploadId: string): Promise<void>;
  /** Every URL handed out for this upload stops working. */
  revokeUrls(videoId: string): Promise<void>;
}

/** The SDK's request method is protected: listParts pages through every part, completion sends If-None-Match. */
class UploadsClient extends Client {
  uploadedParts(bucket: string, key: string, uploadId: string) {
    return this.listParts(bucket, key, uploadId);
  }

  async completeIfAbsent(bucket: string, key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void> {
    const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts
      .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${p.etag.replace(/[^0-9A-Za-z-]/g, '')}"</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`;
    const res = await this.makeRequestAsync({ method: 'POST', bucketName: bucket, objectName: key, query: `uploadId=${encodeURIComponent(uploadId)}`, headers: { 'If-None-Match': '*' } }, body);
    // S3 may answer 200 with an error document when completion fails late.
    const answer = await text(res);
    if (answer.includes('<Error>')) throw Object.assign(new Error('completion failed'), { code: /<Code>([^<]+)<\/Code>/.exec(answer)?.[1] });
  }
}

function storageError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'NoSuchUpload') return new AppError('not_found', 'the multipart upload does not exist (completed or aborted)');
  if (code === 'PreconditionFailed') return new AppError('conflict', 'the upload has completed already; its source cannot be replaced');
  if (code === 'InvalidPart' || code === 'InvalidPartOrder' || code === 'EntityTooSmall') {
    return new AppError('conflict', `storage refused to complete the upload: ${code}`);
  }
  return new AppError('storage_unavailable', 'object storage is unavailable', { cause: String((err as Error).message ?? err) });
}

/**
 * Presigned URLs are made for the public origin (nginx passes the Host header
 * through, so the SigV4 signature still verifies) with a session per upload;
 * bookkeeping calls go to MinIO's internal endpoint as the auth service's user.
 */
export function createMinioUploadStorage(config: AuthConfig): UploadStorage {
  const { bucket } = config.minio;
  const internal = new UploadsClient(minioClientOptions(config.minio, config.minio.auth));
  const origin = new URL(config.publicUrl);
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw storageError(err);
    }
  };
  return {
    urls: (videoId, ttl) =>
      guard(async () => {
        const key = videoKeys.source(videoId);
        const session = await assumeUploadSession(config.minio, config.minio.auth, { videoId, objectKey: key }, ttl);
        const put = (options: Parameters<typeof presignPut>[4]) => guard(() => presignPut(origin, config.minio, session, key, options));
        return {
          put: (contentType, size) => put({ ttlSeconds: ttl, contentType, contentLength: size, ifNoneMatch: true }),
          part: (uploadId, part) => put({ ttlSeconds: ttl, contentLength: part.size, query: { partNumber: String(part.partNumber), uploadId } }),
          post: (contentType, maxBytes) =>
            guard(async () => {
              const client = minioClient({ ...config.minio, endpoint: config.publicUrl }, session);
              const policy = client.newPostPolicy();
              policy.setBucket(bucket);
              policy.setKey(key);
              policy.setContentType(contentType);
              policy.setContentLengthRange(1, maxBytes);
              policy.setExpires(new Date(Date.now() + ttl * 1000));
              const { postURL, formData } = await client.presignedPostPolicy(policy);
              return { url: postURL, fields: formData as Record<string, string> };
            }),
        };
      }),
    createMultipart: (videoId, contentType) => guard(() => internal.initiateNewMultipartUpload(bucket, videoKeys.source(videoId), { 'Content-Type': contentType, 'If-None-Match': '*' })),
    listParts: (videoId, uploadId) =>
      guard(async () => (await internal.uploadedParts(bucket, videoKeys.source(videoId), uploadId)).map((p) => ({ partNumber: p.part, etag: p.etag, size: p.size }))),
    completeMultipart: (videoId, uploadId, parts) => guard(() => internal.completeIfAbsent(bucket, videoKeys.source(videoId), uploadId, parts)),
    abortMultipart: (videoId, uploadId) => guard(() => internal.abortMultipartUpload(bucket, videoKeys.source(videoId), uploadId)),
    revokeUrls: (videoId) => guard(() => revokeUploadSessions(config.minio, config.minio.auth, config.minio.auth.accessKey, videoId)),
  };
}
