import { execFile, spawn } from 'node:child_process';
import { REPO_ROOT } from '../../services/stack/src/paths.ts';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a program to its end and returns its exit code and output; never throws. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/**
 * Like run, for long steps: every line of output (both streams) goes to
 * `onLine` as it comes, so the caller can show progress.
 */
export function runStreaming(command: string, args: string[], options: RunOptions & { onLine: (line: string) => void }): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    const err: string[] = [];
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 60_000);
    const follow = (stream: NodeJS.ReadableStream, into: string[]) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        into.push(chunk);
        const lines = (pending + chunk).split('\n');
        pending = lines.pop()!;
        for (const line of lines) options.onLine(line);
      });
      stream.on('end', () => pending && options.onLine(pending));
    };
    follow(child.stdout, out);
    follow(child.stderr, err);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? (signal ? -1 : 0), stdout: out.join(''), stderr: err.join('') });
    });
  });
}
