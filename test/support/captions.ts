import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { getObject } from './media-fixtures.ts';
import { run } from './run.ts';
import { ORIGIN } from './test-stack.ts';

/** PUT /v1/videos/<id>/captions/<language> through the origin, as the library page sends it. */
export function putCaption(id: string, language: string, token: string | undefined, body: string, options: { label?: string; type?: string } = {}): Promise<Response> {
  const query = options.label === undefined ? '' : `?label=${encodeURIComponent(options.label)}`;
  return fetch(`${ORIGIN}/v1/videos/${encodeURIComponent(id)}/captions/${language}${query}`, {
    method: 'PUT',
    headers: { 'Content-Type': options.type ?? 'text/vtt', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body,
  });
}

/**
 * The earliest decoding time (90 kHz) of a segment (its object key), as
 * ffprobe reads it from storage: for a video's first segment, where cue time 0 must be mapped.
 */
export async function segmentStart(key: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'vidgate-captions-'));
  try {
    const file = join(dir, 'seg.ts');
    await writeFile(file, await getObject(key));
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=dts', '-of', 'csv=p=0', file]);
    expect(probe.code, probe.stderr).toBe(0);
    return Math.min(...probe.stdout.split('\n').map((line) => Number.parseInt(line, 10)).filter(Number.isFinite));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
