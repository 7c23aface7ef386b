/** Paths read from one joined string at a time: long enough to be few, short enough to stay out of V8's large-object space. */
const RUN = 512;
/** More steps than this through the table means colliding hashes: they go to a Map instead. */
const MAX_PROBES = 32;
/** How many characters a hash reads, from the end: paths differ there (segment names), and share a long start. */
const HASHED = 24;

/**
 * The distinct paths, in order of first appearance, and for each path given
 * the index of its distinct one. A path built by concatenation is a rope: a
 * Map, a hash or a regular expression flattens each one in a runtime call,
 * a large part of the rewrite of a long playlist. Here each run of paths is
 * joined into one string and read from there, and the distinct paths come
 * out as slices of it, already flat for the signer's checks.
 * Hashes that collide too often (paths that differ only in their start, or
 * that an uploader crafted) send the rest to a Map, whose hash is seeded.
 */
export function distinctPaths(paths: readonly string[]): { distinct: string[]; indexes: Int32Array } {
  const distinct: string[] = [];
  const hashes = new Int32Array(paths.length);
  // Index + 1 of a distinct path, 0 for an empty slot; at most half full.
  const table = new Int32Array(2 ** Math.ceil(Math.log2(2 * paths.length + 2)));
  const mask = table.length - 1;
  let map: Map<string, number> | undefined;
  const indexOf = (joined: string, start: number, end: number): number => {
    if (map === undefined) {
      const hash = hashOf(joined, start, end);
      for (let slot = hash & mask, probes = 0; probes <= MAX_PROBES; slot = (slot + 1) & mask, probes++) {
        const entry = table[slot]!;
        if (entry === 0) {
          hashes[distinct.length] = hash;
          table[slot] = distinct.push(joined.slice(start, end));
          return distinct.length - 1;
        }
        const path = distinct[entry - 1]!;
        if (hashes[entry - 1] === hash && path.length === end - start && joined.startsWith(path, start)) return entry - 1;
      }
      map = new Map(distinct.map((path, index) => [path, index]));
    }
    const path = joined.slice(start, end);
    let index = map.get(path);
    if (index === undefined) map.set(path, (index = distinct.push(path) - 1));
    return index;
  };
  const indexes = new Int32Array(paths.length);
  for (let from = 0; from < paths.length; from += RUN) {
    const to = Math.min(paths.length, from + RUN);
    const joined = paths.slice(from, to).join('');
    for (let i = from, start = 0; i < to; start += paths[i]!.length, i++) indexes[i] = indexOf(joined, start, start + paths[i]!.length);
  }
  return { distinct, indexes };
}

/** FNV-1a over the length and the last HASHED UTF-16 units before `end`, then a final mix so that the low bits (the slot) depend on every unit. */
function hashOf(text: string, start: number, end: number): number {
  let h = Math.imul(0x811c9dc5 ^ (end - start), 0x01000193);
  for (let i = Math.max(start, end - HASHED); i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}
