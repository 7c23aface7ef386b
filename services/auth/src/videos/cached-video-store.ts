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
      let loaded;
      const video = await cache.getOrLoad(key(id), async () => {
        loaded = await inner.get(id);
        return loaded?.status === 'ready' ? loaded : undefined;
      });
      return video ?? loaded ?? undefined;
    },
    async put(video) {
      await inner.put(video);
      cache.delete(key(video.id));
    },
  };
}
