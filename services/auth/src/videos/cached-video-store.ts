import type { Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import type { Cache } from './cache.ts';

/**
 * Reads through the cache; writes go to the store and drop the cached copy (in
 * this process: other auth replicas drop theirs within VIDGATE_CACHE_TTL). Only
 * ready videos are cached: status and progress of the others change under the
 * transcoder's hand and are read fresh.
 */
export function cachedVideoStore(inner: VideoStore, cache: Cache): VideoStore {
  const key = (id: string) => `video:${id}`;
  /** A write's result, once the cached copy it changed is dropped. */
  const dropping = async <T>(id: string, write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } finally {
      cache.delete(key(id));
    }
  };
  return {
    async get(id) {
      const cached = cache.get<Video>(key(id));
      if (cached) return cached;
      const video = await inner.get(id);
      if (video?.status === 'ready') cache.set(key(id), video);
      return video;
    },
    put: (video) => dropping(video.id, inner.put(video)),
    create: (video) => inner.create(video),
    patch: (id, changes) => dropping(id, inner.patch(id, changes)),
    remove: (id) => dropping(id, inner.remove(id)),
    setCaption: (id, caption) => dropping(id, inner.setCaption(id, caption)),
    removeCaption: (id, language, updatedAt) => dropping(id, inner.removeCaption(id, language, updatedAt)),
    page: (scope, page) => inner.page(scope, page),
    createdSince: (owner, since) => inner.createdSince(owner, since),
    withOwnerLock: (owner, work) => inner.withOwnerLock(owner, work),
    ping: () => inner.ping(),
  };
}
