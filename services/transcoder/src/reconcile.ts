import type { ObjectStore } from '@vidgate/common/object-store';
import type { Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';

/**
 * After a restart: videos whose job was cut off (processing) or whose upload
 * event never arrived (uploading, and the source is in the bucket) are queued again.
 */
export async function findUnfinished(objects: ObjectStore, videos: VideoStore): Promise<Video[]> {
  const unfinished: Video[] = [];
  for (const video of await videos.unfinished()) {
    if (video.status === 'processing' || (await objects.listChildren(`uploads/${video.id}/`)).includes('source')) unfinished.push(video);
  }
  return unfinished;
}
