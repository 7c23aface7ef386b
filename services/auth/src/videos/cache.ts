import NodeCache from 'node-cache';
import type { AuthConfig } from '../auth-config.ts';

/**
 * A bounded in-process cache. Entries expire after the configured TTL, so a
 * change written by another process (the transcoder) is seen within it; writes
 * made through this process invalidate at once.
 */
export function createCache(cache: AuthConfig['cache']) {
  const store = new NodeCache({ stdTTL: cache.ttlSeconds, maxKeys: cache.maxKeys, useClones: false, checkperiod: 60 });
  // Loads under way: concurrent misses for one key share a single load (no
  // thundering herd when a popular playlist's signatures roll over).
  const loading = new Map<string, Promise<unknown>>();

  /** A full cache must not fail the request: the value is then served uncached. */
  const set = (key: string, value: unknown) => {
    if (store.getStats().keys < cache.maxKeys) store.set(key, value);
  };

  return {
    get: <T>(key: string): T | undefined => store.get<T>(key),
    set,
    async getOrLoad<T>(key: string, load: () => Promise<T>): Promise<T> {
      const hit = store.get<T>(key);
      if (hit !== undefined) return hit;
      const pending = loading.get(key) as Promise<T> | undefined;
      if (pending) return pending;
      const loaded = load().then((value) => {
        if (value !== undefined) set(key, value);
        return value;
      });
      loading.set(key, loaded);
      try {
        return await loaded;
      } finally {
        loading.delete(key);
      }
    },
    delete(key: string) {
      store.del(key);
    },
  };
}

export type Cache = ReturnType<typeof createCache>;
