import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isRunning, type ManagedProcess } from './managed-process.ts';

export interface Supervised<T extends ManagedProcess = ManagedProcess> {
  readonly name: string;
  readonly current: T;
  /** Stops the process on purpose and starts a new one (e.g. after a config change). */
  restart(): Promise<void>;
  /** From now on an exit is not restarted: the stack is stopping (its processes may get the terminal's Ctrl-C first). */
  release(): void;
  stop(): Promise<void>;
}

export interface SuperviseOptions<T extends ManagedProcess> {
  name: string;
  start: () => Promise<T>;
  /** Where <name>.pid is kept, for operators and for tests that kill a service. */
  runDir: string;
  /** Restart after a crash (services) or give up at once (MinIO, nginx). */
  restartOnCrash: boolean;
  onCrash: (what: string) => void;
  say: (message: string) => void;
}

const MAX_RESTARTS = 5;
/** A clean exit, or one by SIGINT/SIGTERM, is a stop from outside: the stack's own signal handler gets this long to claim it. */
const STOP_CLAIM_MS = 500;
const stoppedFromOutside = (code: number | string) => code === 0 || code === 'SIGINT' || code === 'SIGTERM';
const WINDOW_MS = 60_000;

/**
 * Keeps one process of a kind running: a crashed service is restarted, up to
 * MAX_RESTARTS times a minute, after which the stack is told it crashed.
 */
export async function supervise<T extends ManagedProcess>(options: SuperviseOptions<T>): Promise<Supervised<T>> {
  const pidFile = resolve(options.runDir, `${options.name}.pid`);
  const crashes: number[] = [];
  let stopped = false;
  let current: T;

  const launch = async () => {
    const child = await options.start();
    current = child;
    await writeFile(pidFile, `${child.pid ?? ''}\n`);
    void child.exited.then(async (code) => {
      // Ctrl-C in a terminal reaches every process of the group: the service may exit before the stack hears it.
      if (stoppedFromOutside(code)) await new Promise((r) => setTimeout(r, STOP_CLAIM_MS));
      if (stopped || current !== child) return;
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && crashes[0]! < now - WINDOW_MS) crashes.shift();
      if (!options.restartOnCrash || crashes.length > MAX_RESTARTS) {
        options.onCrash(`${options.name} exited (${String(code)})${options.restartOnCrash ? ' too often' : ''}`);
        return;
      }
      options.say(`${options.name} exited (${String(code)}); restarting it`);
      launch().catch((err: Error) => options.onCrash(`${options.name} could not restart: ${err.message}`));
    });
  };
  await launch();

  return {
    name: options.name,
    get current() {
      return current;
    },
    async restart() {
      const old = current;
      current = undefined as unknown as T; // the old process's exit is not a crash
      await old.stop();
      await launch();
    },
    release() {
      stopped = true;
    },
    async stop() {
      stopped = true;
      await current?.stop();
      await rm(pidFile, { force: true });
    },
  };
}

/**
 * A stack whose supervisor was killed outright leaves its children running and
 * holding the ports. Their pid files say who they are: stop those still running
 * (only processes whose command line is one of the stack's own).
 */
export async function stopLeftovers(runDir: string, say: (message: string) => void): Promise<void> {
  const files = (await readdir(runDir).catch(() => [] as string[])).filter((f) => f.endsWith('.pid'));
  for (const file of files) {
    const pid = Number((await readFile(resolve(runDir, file), 'utf8')).trim());
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const ours = /minio|nginx|services\/[a-z]+\/src\/server\.ts/.test(cmdline);
    if (pid > 0 && isRunning(pid) && ours) {
      say(`stopping ${file.replace('.pid', '')} (pid ${pid}) left over from an earlier run`);
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 50 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
    await rm(resolve(runDir, file), { force: true });
  }
}
