import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CACHE_DIR } from '../../../services/stack/src/tools.ts';
import { run } from '../run.ts';

/**
 * The Docker engine the compose tests use: Debian's dockerd, started by the
 * suite with folders and a socket of its own (under the cache, so images and
 * build cache survive between runs), leaving the host's firewall alone. It is
 * reused while it answers, and left running for the next run.
 */
const DIR = resolve(CACHE_DIR, 'docker');
const SOCKET = resolve(DIR, 'docker.sock');
const DOCKERD = '/usr/sbin/dockerd';

export interface Engine {
  /** DOCKER_HOST and DOCKER_CONFIG (whose cli-plugins holds Compose v2, built by bootstrap.sh), over PATH and HOME. */
  env: NodeJS.ProcessEnv;
  dataRoot: string;
}

export const engineEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: `unix://${SOCKET}`, DOCKER_CONFIG: DIR });

async function answers(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = await run('docker', ['version', '--format', '{{.Server.Version}}'], { env, timeoutMs: 10_000 });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

async function pidAlive(file: string): Promise<number | undefined> {
  const pid = Number(await readFile(file, 'utf8').catch(() => ''));
  if (!pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export async function ensureEngine(say: (message: string) => void): Promise<Engine> {
  const env = engineEnv();
  const engine = { env, dataRoot: resolve(DIR, 'data') };
  const version = await answers(env);
  if (version) {
    say(`Docker engine ${version} already running (${SOCKET})`);
    return engine;
  }
  if (!existsSync(DOCKERD)) throw new Error(`the compose tests need a Docker engine: ${DOCKERD} is missing (bootstrap.sh --test installs Debian's docker.io)`);
  if (!existsSync(resolve(DIR, 'cli-plugins/docker-compose'))) throw new Error(`Docker Compose v2 is missing from ${DIR}/cli-plugins (bootstrap.sh --test builds it)`);
  if (process.getuid?.() !== 0) throw new Error('the compose tests start their own Docker engine, which needs root');

  const pidFile = resolve(DIR, 'dockerd.pid');
  const stale = await pidAlive(pidFile);
  if (stale) {
    say(`stopping a Docker engine of ours that does not answer (pid ${stale})`);
    process.kill(stale, 'SIGKILL');
  }
  await rm(SOCKET, { force: true });
  await mkdir(resolve(DIR, 'exec'), { recursive: true });
  const log = resolve(DIR, 'dockerd.log');
  const out = openSync(log, 'a');
  say(`starting the Docker engine (${DOCKERD}, data in ${engine.dataRoot}, log ${log})`);
  const child = spawn(DOCKERD, [
    // No NAT and no rules in the host's firewall: containers reach each other and
    // published loopback ports, nothing else; image builds use the host's network.
    '--iptables=false', '--ip6tables=false', '--ip-masq=false',
    '--storage-driver=overlay2',
    '--data-root', engine.dataRoot, '--exec-root', resolve(DIR, 'exec'), '--pidfile', pidFile,
    '-H', `unix://${SOCKET}`,
  ], { detached: true, stdio: ['ignore', out, out] });
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = `exit code ${code ?? signal}`));
  child.unref();

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && exit === undefined) {
    const started = await answers(env);
    if (started) {
      say(`Docker engine ${started} ready`);
      return engine;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const tail = (await readFile(log, 'utf8')).trim().split('\n').slice(-15).join('\n');
  throw new Error(`the Docker engine did not start (${exit ?? 'no answer within 60 s'}); the end of ${log}:\n${tail}`);
}
