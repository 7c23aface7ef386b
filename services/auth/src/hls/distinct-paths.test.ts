import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distinctPaths } from './distinct-paths.ts';

/** What distinctPaths must return, the plain way. */
function expected(paths: readonly string[]) {
  const index = new Map<string, number>();
  for (const path of paths) if (!index.has(path)) index.set(path, index.size);
  return { distinct: [...index.keys()], indexes: paths.map((path) => index.get(path)!) };
}

function check(paths: readonly string[]): void {
  const got = distinctPaths(paths);
  expect({ distinct: got.distinct, indexes: [...got.indexes] }).toEqual(expected(paths));
}

describe('distinctPaths', () => {
  it('numbers each distinct path by its first appearance, as a Map would', () => {
    const path = fc.oneof(fc.constantFrom('/media/a.ts', '/media/b.ts', '/v1/hls/x/a.ts', ''), fc.string({ unit: fc.constantFrom(...'/ab.é'), maxLength: 40 }));
    fc.assert(fc.property(fc.array(path, { maxLength: 60 }), (paths) => check(paths)), { numRuns: 500 });
  });

  it('reads paths built by concatenation, across runs of the join, with repeats far apart', () => {
    const paths = Array.from({ length: 3_000 }, (_, i) => `/media/${'videos/abc123/hls/720p/'}segment_${String(i % 2_200).padStart(5, '0')}.m4s`);
    check(paths);
    expect(distinctPaths(paths).distinct).toHaveLength(2_200);
  });

  it('stays right, and linear, when every hash collides: paths that differ only in their start', () => {
    const end = `/${'same-ending'.repeat(4)}.ts`;
    const paths = Array.from({ length: 20_000 }, (_, i) => `/media/${i % 15_000}${end}`);
    const started = performance.now();
    check(paths);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
