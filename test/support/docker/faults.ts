import { readFile } from 'node:fs/promises';
import type { Checkout } from './checkout.ts';
import { run } from '../run.ts';

/** What the fault tests do to a compose stack's containers, and how they watch it recover. */

export async function containerIds(checkout: Checkout, service: string): Promise<string[]> {
  const ps = await checkout.compose(['ps', '--quiet', service]);
  if (ps.code !== 0) throw new Error(`docker compose ps ${service}: ${ps.stderr}`);
  return ps.stdout.split('\n').filter(Boolean);
}

export async function inspect(env: NodeJS.ProcessEnv, id: string, format: string): Promise<string> {
  const result = await run('docker', ['inspect', '--format', format, id], { env });
  if (result.code !== 0) throw new Error(`docker inspect ${id}: ${result.stderr}`);
  return result.stdout.trim();
}

export const restartCount = async (env: NodeJS.ProcessEnv, id: string): Promise<number> => Number(await inspect(env, id, '{{.RestartCount}}'));

/**
 * Kills the container's service process with SIGKILL from the host, as the
 * kernel's OOM killer or a crash would (`docker kill` would count as a manual
 * stop, which no restart policy undoes). With `init: true` the service is the
 * child of Docker's init; otherwise it is the container's first process.
 */
export async function killServiceProcess(env: NodeJS.ProcessEnv, id: string): Promise<number> {
  const first = Number(await inspect(env, id, '{{.State.Pid}}'));
  if (!first) throw new Error(`container ${id} is not running`);
  const exe = await readFile(`/proc/${first}/comm`, 'utf8');
  let target = first;
  if (exe.trim() === 'docker-init') {
    const children = (await readFile(`/proc/${first}/task/${first}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    if (children.length !== 1) throw new Error(`docker-init in ${id} has ${children.length} children, expected the service alone`);
    target = Number(children[0]);
  }
  process.kill(target, 'SIGKILL');
  return target;
}

/**
 * Polls `check` until it returns true; returns how long that took in seconds,
 * or throws at the deadline naming what never happened.
 */
export async function secondsUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const healthy = async (env: NodeJS.ProcessEnv, id: string): Promise<boolean> => (await inspect(env, id, '{{.State.Health.Status}}')) === 'healthy';

/** True when GET `url` answers `status` within 2 s. */
export async function answers(url: string, status = 200): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status === status;
}
