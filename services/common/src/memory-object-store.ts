import type { ObjectStore } from './object-store.ts';

/** The object-store seam in memory, for the unit tests of what stands on it (the integration tests use MinIO). */
export function memoryObjectStore(): ObjectStore {
  const objects = new Map<string, string>();
  return {
    getText: async (key) => objects.get(key),
    getHead: async (key, length) => {
      const text = objects.get(key);
      return text === undefined ? undefined : Buffer.from(text).subarray(0, length);
    },
    putText: async (key, text) => void objects.set(key, text),
    listChildren: async (prefix) => [...new Set([...objects.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split('/')[0]!))],
    removeAll: async (prefix) => {
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix));
      for (const k of keys) objects.delete(k);
      return keys.length;
    },
    ping: async () => {},
  };
}
