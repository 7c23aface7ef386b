import type { ObjectStore } from '@vidgate/common/object-store';
import type { VideoStore } from '@vidgate/common/video-store';

/**
 * After a restart: videos whose job was cut off (processing) or whose upload
 * event never arrived (uploading, source present) are queued again.
 */
export async function findUnfinished(objects: ObjectStore, videos: VideoStore): Promise<{ id: string; owner: string }[]> {
  const ids = await objects.listChildren('uploads/');
  const unfinished: { id: string; owner: string }[] = [];
  for (const id of ids) {
    const video = await videos.get(id);
    if (video && (video.status === 'processing' || video.status === 'uploading')) unfinished.push({ id, owner: video.owner });
  }
  return unfinished;
}
