import { AppError } from '@vidgate/common/errors';
import type { Sandbox } from './media-limits.ts';
import { runProcess } from './run-process.ts';

export interface RunFfmpegOptions {
  args: readonly string[];
  /** Length of the output, to turn `-progress` output times into fractions. */
  durationSeconds: number;
  /** Called with rising fractions in 0..1, and with 1 once ffmpeg has succeeded. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  sandbox?: Sandbox;
}

/**
 * Runs ffmpeg to completion. A failure becomes an AppError (502: the fault is
 * in our media pipeline, not the request) whose message carries the exit
 * code and the end of stderr, for logs; the HTTP layer never shows it.
 */
export async function runFfmpeg(opts: RunFfmpegOptions): Promise<void> {
  const progress = progressTracker(opts.durationSeconds, opts.onProgress);
  const outcome = await runProcess({
    command: 'ffmpeg',
    args: opts.args,
    onStdoutLine: progress.line,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    sandbox: opts.sandbox,
  });
  if (outcome.timedOut) {
    throw new AppError('transcode_failed', `ffmpeg timed out after ${opts.timeoutMs} ms\n${outcome.stderrTail}`);
  }
  if (outcome.exitCode !== 0) {
    const how = outcome.exitCode === null ? `was killed by ${outcome.exitSignal}` : `exited with code ${outcome.exitCode}`;
    throw new AppError('transcode_failed', `ffmpeg ${how}\n${outcome.stderrTail}`);
  }
  progress.done();
}

function progressTracker(durationSeconds: number, onProgress?: (fraction: number) => void) {
  let last = 0;
  const report = (fraction: number): void => {
    if (!onProgress || !(fraction > last)) return;
    last = fraction;
    onProgress(fraction);
  };
  return {
    line(line: string): void {
      // out_time_ms is microseconds too (a long-standing ffmpeg misnomer); older builds print only it.
      const match = /^out_time_(?:us|ms)=(\d+)$/.exec(line);
      if (match && durationSeconds > 0) report(Math.min(1, Number(match[1]) / 1e6 / durationSeconds));
    },
    // Not on `progress=end`: ffmpeg prints that on failure too.
    done: (): void => report(1),
  };
}
