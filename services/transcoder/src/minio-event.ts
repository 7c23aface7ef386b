import { z } from 'zod';
import { videoIdOfSource } from '@vidgate/common/video';

const record = z.object({
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), size: z.number().optional(), eTag: z.string().optional() }),
  }),
});
const body = z.object({ Records: z.array(record).default([]) });

export interface SourceUploaded {
  videoId: string;
  etag: string;
}

/**
 * Uploads create objects with these events only. A server-side copy
 * (s3:ObjectCreated:Copy) into uploads/ is not an upload and starts nothing.
 */
const UPLOAD_EVENTS = new Set(['s3:ObjectCreated:Put', 's3:ObjectCreated:Post', 's3:ObjectCreated:CompleteMultipartUpload']);

function decodeKey(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined; // malformed escapes: not one of our keys
  }
}

/**
 * The uploads a MinIO bucket notification reports: upload records for
 * uploads/<id>/source in our bucket. Keys arrive URL-encoded (S3 convention).
 */
export function sourcesInEvent(payload: unknown, bucket: string): SourceUploaded[] | undefined {
  const parsed = body.safeParse(payload);
  if (!parsed.success) return undefined;
  const found: SourceUploaded[] = [];
  for (const r of parsed.data.Records) {
    if (!UPLOAD_EVENTS.has(r.eventName) || r.s3.bucket.name !== bucket) continue;
    const key = decodeKey(r.s3.object.key);
    const videoId = key === undefined ? undefined : videoIdOfSource(key);
    if (videoId) found.push({ videoId, etag: (r.s3.object.eTag ?? '').replace(/"/g, '') });
  }
  return found;
}
