import { Client } from 'minio';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import { minioClient, minioClientOptions } from '@vidgate/common/minio-store';
import { createPutPresigner } from './presign-put.ts';

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** What the upload routes need from storage: presigning and multipart bookkeeping. */
export interface UploadStorage {
  presignPut(key: string, contentType: string, size: number, ttlSeconds: number): Promise<string>;
  presignPost(key: string, contentType: string, maxBytes: number, ttlSeconds: number): Promise<{ url: string; fields: Record<string, string> }>;
  createMultipart(key: string, contentType: string): Promise<string>;
  presignPart(key: string, uploadId: string, part: { partNumber: number; size: number }, ttlSeconds: number): Promise<string>;
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  completeMultipart(key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
}

/** listParts is protected in the SDK; it pages through every part. */
class PartsClient extends Client {
  uploadedParts(bucket: string, key: string, uploadId: string) {
    return this.listParts(bucket, key, uploadId);
  }
}

function storageError(err: unknown): AppError {
  const code = (err as { code?: string }).code;
  if (code === 'NoSuchUpload') return new AppError('not_found', 'the multipart upload does not exist (completed or aborted)');
  if (code === 'InvalidPart' || code === 'InvalidPartOrder' || code === 'EntityTooSmall') {
    return new AppError('conflict', `storage refused to complete the upload: ${code}`);
  }
  return new AppError('storage_unavailable', 'object storage is unavailable', { cause: String((err as Error).message ?? err) });
}

/**
 * Presigned URLs are made for the public origin (nginx passes the Host header
 * through, so the SigV4 signature still verifies); bookkeeping calls go to
 * MinIO's internal endpoint.
 */
export function createMinioUploadStorage(config: AuthConfig): UploadStorage {
  const { bucket } = config.minio;
  const internal = new PartsClient(minioClientOptions(config.minio, config.minio.auth));
  const publicClient = minioClient({ ...config.minio, endpoint: config.publicUrl }, config.minio.auth);
  const presignPut = createPutPresigner(config);
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw storageError(err);
    }
  };
  return {
    presignPut: (key, contentType, size, ttl) => guard(() => presignPut(key, { ttlSeconds: ttl, contentType, contentLength: size })),
    presignPost: (key, contentType, maxBytes, ttl) =>
      guard(async () => {
        const policy = publicClient.newPostPolicy();
        policy.setBucket(bucket);
        policy.setKey(key);
        policy.setContentType(contentType);
        policy.setContentLengthRange(1, maxBytes);
        policy.setExpires(new Date(Date.now() + ttl * 1000));
        const { postURL, formData } = await publicClient.presignedPostPolicy(policy);
        return { url: postURL, fields: formData as Record<string, string> };
      }),
    createMultipart: (key, contentType) => guard(() => internal.initiateNewMultipartUpload(bucket, key, { 'Content-Type': contentType })),
    presignPart: (key, uploadId, part, ttl) =>
      guard(() => presignPut(key, { ttlSeconds: ttl, contentLength: part.size, query: { partNumber: String(part.partNumber), uploadId } })),
    listParts: (key, uploadId) =>
      guard(async () => (await internal.uploadedParts(bucket, key, uploadId)).map((p) => ({ partNumber: p.part, etag: p.etag, size: p.size }))),
    completeMultipart: (key, uploadId, parts) =>
      guard(async () => {
        await internal.completeMultipartUpload(bucket, key, uploadId, parts.map((p) => ({ part: p.partNumber, etag: p.etag })));
      }),
    abortMultipart: (key, uploadId) => guard(() => internal.abortMultipartUpload(bucket, key, uploadId)),
  };
}
