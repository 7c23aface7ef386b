import type { AuthConfig } from '../auth-config.ts';

/** S3 allows at most 10,000 parts; parts other than the last must be ≥ 5 MiB. */
const MAX_PARTS = 10_000;

export type UploadPlan = { kind: 'single' } | { kind: 'multipart'; partSize: number; partCount: number };

/**
 * Single PUT/POST below the threshold, multipart above it, with parts large
 * enough that any allowed size fits in 10,000 of them.
 */
export function planUpload(size: number, uploads: AuthConfig['uploads']): UploadPlan {
  if (size < uploads.multipartThreshold) return { kind: 'single' };
  const mib = 1024 * 1024;
  const partSize = Math.max(uploads.partSize, Math.ceil(size / MAX_PARTS / mib) * mib);
  return { kind: 'multipart', partSize, partCount: Math.ceil(size / partSize) };
}
