import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import vectors from '../nginx/signing-vectors.json' with { type: 'json' };

const root = fileURLToPath(new URL('..', import.meta.url));

describe('signing vectors (njs side, njs CLI)', () => {
  const out = execFileSync('njs', ['-p', 'nginx/njs', 'test/njs/run-vectors.js', 'nginx/signing-vectors.json'], { cwd: root, encoding: 'utf8' });
  const results = out.trim().split('\n').map((line) => JSON.parse(line) as { name: string; status: number; error?: string });

  it('ran every vector', () => {
    expect(results.map((r) => r.name)).toEqual(vectors.verify.map((v) => v.name));
  });

  it.each(vectors.verify.map((v, i) => [v.name, v, i] as const))('agrees on "%s"', (_name, v, i) => {
    expect(results[i]).toEqual({ name: v.name, status: v.expect.status, ...('error' in v.expect ? { error: v.expect.error } : {}) });
  });
});
