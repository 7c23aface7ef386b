import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { procStat } from './proc-stat.ts';

const run = promisify(execFile);

/** Every process under `root` (itself included), from /proc's parent links. */
async function processTree(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number((await procStat(entry))?.[1]);
    if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  for (let queue = [root]; queue.length; ) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue = [...queue, ...(children.get(pid) ?? [])];
  }
  return tree;
}

/**
 * Gives storage a core of its own, as in a deployment whose MinIO runs on hosts
 * of its own: MinIO (every thread) on `storageCpu`; nginx, PostgreSQL, the
 * services and this process, so wrk too, on the other cores. Linux (taskset).
 * Returns a line saying so.
 */
export async function giveStorageItsOwnCpu(runDir: string, storageCpu: number): Promise<string> {
  const all = cpus().map((_, i) => i);
  const rest = all.filter((i) => i !== storageCpu);
  if (!all.includes(storageCpu) || rest.length === 0) throw new Error(`BENCH_STORAGE_CPU=${storageCpu}: this machine has cpus ${all.join(',')}; one must be left for the rest`);
  const minioPid = Number((await readFile(resolve(runDir, 'minio.pid'), 'utf8')).trim());
  const storage = new Set(await processTree(minioPid));
  // A process that ended meanwhile (a short-lived child) needs no pinning.
  const pin = (pid: number, list: number[]) => run('taskset', ['-a', '-p', '-c', list.join(','), String(pid)]).catch((err: unknown) => {
    if (existsSync(`/proc/${pid}`)) throw err;
  });
  for (const pid of await processTree(process.pid)) await pin(pid, storage.has(pid) ? [storageCpu] : rest);
  return `MinIO (pid ${minioPid}) on cpu ${storageCpu}; nginx, PostgreSQL, the services and wrk on cpu ${rest.join(',')}`;
}
