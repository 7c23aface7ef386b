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
 * The uploads a MinIO bucket notification reports: object-created records for
 * uploads/<id>/source in our bucket. Keys arrive URL-encoded (S3 convention).
 */
export function sourcesInEvent(payload: unknown, bucket: string): SourceUploaded[] | undefined {
  const parsed = body.safeParse(payload);
  if (!parsed.success) return undefined;
  const found: SourceUploaded[] = [];
  for (const r of parsed.data.Records) {
    if (!r.eventName.startsWith('s3:ObjectCreated:') || r.s3.bucket.name !== bucket) continue;
    const videoId = videoIdOfSource(decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')));
    if (videoId) found.push({ videoId, etag: (r.s3.object.eTag ?? '').replace(/"/g, '') });
  }
  return found;
}
