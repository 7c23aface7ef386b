import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The child's stdout and stderr are appended here. */
  logFile: string;
  /** Run as this user (this process being root). */
  user?: { uid: number; gid: number };
  /** What asks it to stop (SIGTERM by default); SIGKILL follows after the grace time. */
  stopSignal?: NodeJS.Signals;
}

/** Starts a child whose output goes to a log file and that stops with SIGTERM (or its stopSignal), then SIGKILL. */
export function startProcess(options: StartOptions): ManagedProcess {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options.user,
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => {
      log.write(`\n[vidgate] ${options.name} could not start: ${err.message}\n`);
      resolve(`error: ${err.message}`);
    });
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  }).finally(() => log.end());

  return {
    name: options.name,
    pid: child.pid,
    exited,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(options.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
