import type { Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import type { Cache } from './cache.ts';

/**
 * Reads through the cache; writes go to storage and drop the cached copy. Only
 * ready videos are cached: status and progress of the others change under the
 * transcoder's hand and are read fresh.
 */
export function cachedVideoStore(inner: VideoStore, cache: Cache): VideoStore {
  const key = (id: string) => `video:${id}`;
  return {
    async get(id) {
      const cached = cache.get<Video>(key(id));
      if (cached) return cached;
      const video = await inner.get(id);
      if (video?.status === 'ready') cache.set(key(id), video);
      return video;
    },
    async put(video) {
      await inner.put(video);
      cache.delete(key(video.id));
    },
    create: (video) => inner.create(video),
    page: (owner, page) => inner.page(owner, page),
    createdSince: (owner, since) => inner.createdSince(owner, since),
    unfinished: () => inner.unfinished(),
    withOwnerLock: (owner, work) => inner.withOwnerLock(owner, work),
    ping: () => inner.ping(),
  };
}
