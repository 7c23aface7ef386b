import { describe, expect, it } from 'vitest';
import { AppError } from '@vidgate/common/errors';
import { sandboxFor, type MediaLimits } from './media-limits.ts';
import { runProcess } from './run-process.ts';

describe('runProcess', () => {
  it('hands over stdout line by line and keeps only the end of stderr', async () => {
    const lines: string[] = [];
    const outcome = await runProcess({
      command: 'sh',
      args: ['-c', 'for i in $(seq 1 30); do echo "err $i" >&2; done; printf "a\\r\\nb\\nc"; exit 3'],
      onStdoutLine: (line) => lines.push(line),
      stderrLines: 5,
    });
    expect(lines).toEqual(['a', 'b', 'c']);
    expect(outcome).toEqual({ exitCode: 3, exitSignal: null, timedOut: false, stderrTail: 'err 26\nerr 27\nerr 28\nerr 29\nerr 30' });
  });

  it('follows SIGTERM with SIGKILL when the process ignores it', async () => {
    const started = Date.now();
    const outcome = await runProcess({
      command: 'sh',
      // exec keeps the ignored TERM and leaves no grandchild holding the pipes open.
      args: ['-c', "trap '' TERM; exec sleep 10"],
      timeoutMs: 100,
      killGraceMs: 200,
    });
    expect(outcome).toMatchObject({ timedOut: true, exitCode: null, exitSignal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('rejects with the abort reason once the process has ended', async () => {
    const controller = new AbortController();
    const run = runProcess({ command: 'sleep', args: ['10'], signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('does not start when the signal is already aborted', async () => {
    await expect(runProcess({ command: 'sleep', args: ['10'], signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('reports a missing binary as an internal AppError', async () => {
    const run = runProcess({ command: 'vidgate-no-such-binary', args: [] });
    await expect(run).rejects.toBeInstanceOf(AppError);
    await expect(run).rejects.toMatchObject({ code: 'internal', message: /ENOENT/ });
  });

  it('runs a sandboxed command under its CPU and memory limits, with the system PATH only, as a user of its own when this process is root', async () => {
    const limits = { memoryBytes: 512 * 1024 * 1024, cpuSeconds: 90 } as MediaLimits;
    const lines: string[] = [];
    const outcome = await runProcess({ command: 'sh', args: ['-c', 'echo "$(id -u) $(ulimit -v) $(ulimit -t) $PATH"'], onStdoutLine: (l) => lines.push(l), sandbox: sandboxFor(limits) });
    expect(outcome.exitCode).toBe(0);
    // Not nobody (65534): nginx's workers run as nobody.
    const uid = process.getuid!() === 0 ? 65_533 : process.getuid!();
    expect(lines).toEqual([`${uid} ${512 * 1024} 90 /usr/local/bin:/usr/bin:/bin`]);
  });

  it('a sandboxed command cannot allocate past its memory limit', async () => {
    // ffmpeg's reverse filter holds every frame (150 of 1080p, ~450 MB). Under 2 GiB of address
    // space all 150 come out; under 384 MiB (enough to load ffmpeg) its allocations fail and fewer
    // do (ffmpeg still exits 0, so the frame count is what tells).
    const framesOut = async (memoryBytes: number) => {
      const outcome = await runProcess({ command: 'ffmpeg', args: ['-hide_banner', '-nostdin', '-f', 'lavfi', '-i', 'color=s=1920x1080:r=25:d=6', '-vf', 'reverse', '-f', 'null', '-'], sandbox: sandboxFor({ memoryBytes, cpuSeconds: 90 } as MediaLimits) });
      expect(outcome.exitCode).toBe(0);
      return Number([...outcome.stderrTail.matchAll(/frame=\s*(\d+)/g)].at(-1)?.[1]);
    };
    expect(await framesOut(2 * 1024 ** 3)).toBe(150);
    expect(await framesOut(384 * 1024 ** 2)).toBeLessThan(150);
  });

});

