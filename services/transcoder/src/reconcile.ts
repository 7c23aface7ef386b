import type { ObjectStore } from '@vidgate/common/object-store';
import type { Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';

/**
 * After a restart: videos whose job was cut off (processing) or whose upload
 * event never arrived (uploading, source present) are queued again.
 */
export async function findUnfinished(objects: ObjectStore, videos: VideoStore): Promise<Video[]> {
  const ids = await objects.listChildren('uploads/');
  const unfinished: Video[] = [];
  for (const id of ids) {
    const video = await videos.get(id);
    if (video && (video.status === 'processing' || video.status === 'uploading')) unfinished.push(video);
  }
  return unfinished;
}
