import { describe, expect, it } from 'vitest';
import { COMMON_ARGS } from './ffmpeg-args.ts';
import { runFfmpeg } from './run-ffmpeg.ts';

/** A synthetic source encoded to nowhere: real ffmpeg work without files. */
function nullEncode(seconds?: number): string[] {
  const duration = seconds === undefined ? '' : `:duration=${seconds}`;
  return [...COMMON_ARGS, '-progress', 'pipe:1', '-re', '-f', 'lavfi', '-i', `testsrc2=size=160x120:rate=30${duration}`, '-f', 'null', '-'];
}

describe('runFfmpeg', () => {
  it('reports rising progress that ends at 1', async () => {
    const fractions: number[] = [];
    await runFfmpeg({ args: nullEncode(1.5), durationSeconds: 1.5, onProgress: (f) => fractions.push(f) });
    expect(fractions.length).toBeGreaterThanOrEqual(2);
    expect(fractions.every((f, i) => f > 0 && f <= 1 && (i === 0 || f > fractions[i - 1]!))).toBe(true);
    expect(fractions.at(-1)).toBe(1);
  });

  it('rejects with the exit code and the end of stderr', async () => {
    const run = runFfmpeg({ args: [...COMMON_ARGS, '-i', 'file:/nonexistent/clip.mp4', '-f', 'null', '-'], durationSeconds: 1 });
    await expect(run).rejects.toMatchObject({ code: 'transcode_failed', message: /exited with code \d+\n.*No such file or directory/s });
  });

  it('kills ffmpeg on timeout', async () => {
    const started = Date.now();
    await expect(runFfmpeg({ args: nullEncode(), durationSeconds: 60, timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('kills ffmpeg on abort and rejects with the abort reason', async () => {
    const controller = new AbortController();
    const run = runFfmpeg({ args: nullEncode(), durationSeconds: 60, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
