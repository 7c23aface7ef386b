import NodeCache from 'node-cache';
import type { Config } from '@vidgate/common/config';

/**
 * A bounded in-process cache. Entries expire after the configured TTL, so a
 * change written by another process (the transcoder) is seen within it; writes
 * made through this process invalidate at once.
 */
export function createCache(cache: Config['cache']) {
  const store = new NodeCache({ stdTTL: cache.ttlSeconds, maxKeys: cache.maxKeys, useClones: false, checkperiod: 60 });
  return {
    async getOrLoad<T>(key: string, load: () => Promise<T>): Promise<T> {
      const hit = store.get<T>(key);
      if (hit !== undefined) return hit;
      const value = await load();
      // A full cache must not fail the request: serve uncached instead.
      if (value !== undefined && store.getStats().keys < cache.maxKeys) store.set(key, value);
      return value;
    },
    delete(key: string) {
      store.del(key);
    },
  };
}

export type Cache = ReturnType<typeof createCache>;
