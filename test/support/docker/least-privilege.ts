import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { REPO_ROOT } from '../../../services/stack/src/paths.ts';
import { run } from '../run.ts';
import type { Checkout } from './checkout.ts';
import { inspect } from './faults.ts';

export interface ProjectContainer {
  id: string;
  name: string;
  service: string;
  running: boolean;
}

/** Every container of the checkout's project, running or exited. */
export async function projectContainers(checkout: Checkout): Promise<ProjectContainer[]> {
  const ps = await checkout.compose(['ps', '--all', '--format', '{{.ID}}\t{{.Name}}\t{{.Service}}\t{{.State}}']);
  return ps.stdout.trim().split('\n').map((line) => {
    const [id, name, service, state] = line.split('\t') as [string, string, string, string];
    return { id, name, service, running: state === 'running' };
  });
}

/** OPERATIONS.md's "Secrets per container" table: service → secret names. */
export async function documentedSecrets(): Promise<Map<string, string[]>> {
  const text = await readFile(resolve(REPO_ROOT, 'deploy/OPERATIONS.md'), 'utf8');
  const section = text.slice(text.indexOf('## Secrets per container'));
  const rows = section.split('\n').filter((line) => /^\| `[a-z0-9-]+`/.test(line));
  return new Map(rows.flatMap((row) => {
    const [services, secrets] = row.split('|').slice(1, 3) as [string, string];
    const names = [...secrets.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]!).sort();
    return [...services.matchAll(/`([a-z0-9-]+)`/g)].map((m) => [m[1]!, names] as [string, string[]]);
  }));
}

/** The secrets a container sees: `ls /run/secrets` inside a running one, its mounts for a one-shot that has exited. */
export async function secretsOf(checkout: Checkout, container: ProjectContainer): Promise<string[]> {
  if (container.running) {
    const ls = await run('docker', ['exec', container.id, 'sh', '-c', 'ls -1 /run/secrets 2>/dev/null || true'], { env: checkout.env });
    return ls.stdout.split('\n').filter(Boolean).sort();
  }
  const mounts = JSON.parse(await inspect(checkout.env, container.id, '{{json .Mounts}}')) as { Destination: string }[];
  return mounts.filter((m) => m.Destination.startsWith('/run/secrets/')).map((m) => m.Destination.slice('/run/secrets/'.length)).sort();
}
