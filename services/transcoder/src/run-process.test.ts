import { describe, expect, it } from 'vitest';
import { AppError } from '@vidgate/common/errors';
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
});
