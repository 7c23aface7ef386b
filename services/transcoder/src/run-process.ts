import { spawn } from 'node:child_process';
import { AppError } from '@vidgate/common/errors';
import { sandboxedCommand, type Sandbox } from './media-limits.ts';

export interface RunProcessOptions {
  command: string;
  args: readonly string[];
  /** Called for each complete stdout line; stdout is not kept otherwise. */
  onStdoutLine?: (line: string) => void;
  /** Aborting ends the process and rejects with `signal.reason` once it has exited. */
  signal?: AbortSignal;
  /** Ends the process after this long; no limit when absent. */
  timeoutMs?: number;
  /** How long SIGTERM gets before SIGKILL. */
  killGraceMs?: number;
  /** How many of the last stderr lines to keep for error messages. */
  stderrLines?: number;
  /** Runs the command under CPU and memory limits, as an unprivileged user when this process is root. */
  sandbox?: Sandbox;
}

export interface ProcessOutcome {
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  timedOut: boolean;
  stderrTail: string;
}

// A line with no newline in sight (binary garbage, a runaway progress bar) must not grow without bound.
const MAX_PARTIAL_LINE = 8192;

/**
 * Runs a child process to completion. Resolves with how it ended (non-zero
 * exits and timeouts included) so each caller can word its own error; rejects
 * only when the process cannot start or the caller aborted. It settles after
 * the process has exited, so the caller may clean up its files straight away.
 */
export function runProcess(opts: RunProcessOptions): Promise<ProcessOutcome> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise((resolve, reject) => {
    const { command, args, env } = opts.sandbox ? sandboxedCommand(opts.sandbox, opts.command, opts.args) : { ...opts, env: process.env };
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, ...opts.sandbox?.user });
    const stdout = lineSplitter((line) => opts.onStdoutLine?.(line));
    const tail: string[] = [];
    const keep = opts.stderrLines ?? 20;
    const stderr = lineSplitter((line) => {
      tail.push(line);
      if (tail.length > keep) tail.shift();
    });

    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (child.exitCode !== null || child.signalCode !== null || killTimer) return;
      // SIGTERM first: ffmpeg then closes its outputs cleanly; SIGKILL if it does not listen.
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs ?? 2000);
    };
    const timeout =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop();
          }, opts.timeoutMs);
    signal?.addEventListener('abort', stop, { once: true });

    const finish = (): void => {
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', stop);
    };

    child.stdout.setEncoding('utf8').on('data', stdout.push);
    child.stderr.setEncoding('utf8').on('data', stderr.push);
    child.on('error', (err) => {
      if (settled) return;
      finish();
      reject(new AppError('internal', `could not run ${opts.command}: ${err.message}`));
    });
    child.on('close', (exitCode, exitSignal) => {
      if (settled) return;
      finish();
      stdout.end();
      stderr.end();
      if (signal?.aborted) reject(signal.reason);
      else resolve({ exitCode, exitSignal, timedOut, stderrTail: tail.join('\n') });
    });
  });
}

function lineSplitter(onLine: (line: string) => void): { push: (chunk: string) => void; end: () => void } {
  let partial = '';
  return {
    push(chunk) {
      const lines = (partial + chunk).split(/\r\n|\r|\n/);
      partial = lines.pop() ?? '';
      if (partial.length > MAX_PARTIAL_LINE) {
        lines.push(partial.slice(0, MAX_PARTIAL_LINE));
        partial = '';
      }
      for (const line of lines) if (line !== '') onLine(line);
    },
    end() {
      if (partial !== '') onLine(partial);
      partial = '';
    },
  };
}
