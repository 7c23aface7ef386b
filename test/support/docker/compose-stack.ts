import type { Checkout } from './checkout.ts';
import { run } from '../run.ts';

type Say = (message: string) => void;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;

/** Removes a compose project a killed run may have left (containers, networks and volumes; images stay). */
export async function removeProject(env: NodeJS.ProcessEnv, project: string): Promise<void> {
  const result = await run('docker', ['compose', '--project-name', project, 'down', '--volumes', '--remove-orphans', '--timeout', '5'], { env, timeoutMs: 180_000 });
  if (result.code !== 0) throw new Error(`removing the compose project ${project} failed: ${result.stderr}`);
}

/** What `docker compose ps -a` shows, one "service state health exit" line per container. */
export async function describeProject(checkout: Checkout): Promise<string> {
  const ps = await checkout.compose(['ps', '--all', '--format', '{{.Name}}\t{{.State}}\t{{.Health}}\t{{.ExitCode}}']);
  return ps.stdout.trim();
}

/**
 * `docker compose up -d --build --wait` as OPERATIONS.md says, with a
 * deadline: builds, starts, and returns once every service is healthy and
 * every one-shot has exited 0. On failure, throws with `ps` and the logs of
 * whatever is not well, so the reason is in the test output.
 */
export async function upAndWait(checkout: Checkout, say: Say, extra: string[] = []): Promise<{ buildSeconds: number; upSeconds: number }> {
  const buildStarted = Date.now();
  say('docker compose build (images from their Dockerfiles; cached layers make a warm build quick)');
  const build = await checkout.composeShowing(['build'], say, 1_800_000);
  if (build.code !== 0) throw new Error(`docker compose build failed:\n${(build.stdout + build.stderr).slice(-4000)}`);
  const buildSeconds = (Date.now() - buildStarted) / 1000;
  say(`images built in ${seconds(buildStarted)}`);
  const upStarted = Date.now();
  say('docker compose up -d --wait (every health check green, every one-shot exited 0)');
  const up = await checkout.composeShowing(['up', '--detach', '--wait', '--wait-timeout', '300', ...extra], say, 420_000);
  const upSeconds = (Date.now() - upStarted) / 1000;
  if (up.code !== 0) {
    const state = await describeProject(checkout);
    const bad = state.split('\n').filter((line) => !/\trunning\thealthy\t|\texited\t\t0$/.test(line)).map((line) => line.split('\t')[0]!);
    const logs = await Promise.all(bad.map(async (name) => `--- ${name}\n${(await run('docker', ['logs', '--tail', '40', name], { env: checkout.env })).stderr.slice(-3000)}`));
    throw new Error(`docker compose up did not get healthy within its deadline:\n${up.stderr.slice(-2000)}\n${state}\n${logs.join('\n')}`);
  }
  say(`healthy in ${seconds(upStarted)}`);
  return { buildSeconds, upSeconds };
}

/**
 * Keeps the engine's disk bounded across runs: images a rebuild left without a
 * tag, and build cache beyond 2 GB, are removed (the current images and the
 * npm cache mounts stay, so warm builds stay warm).
 */
export async function pruneEngine(env: NodeJS.ProcessEnv): Promise<void> {
  await run('docker', ['image', 'prune', '--force'], { env, timeoutMs: 300_000 });
  await run('docker', ['builder', 'prune', '--force', '--keep-storage', '2gb'], { env, timeoutMs: 300_000 });
}

/** Disk used by the engine: images, build cache, volumes (`docker system df`). */
export async function diskReport(env: NodeJS.ProcessEnv): Promise<string> {
  const df = await run('docker', ['system', 'df', '--format', '{{.Type}}: {{.Size}} ({{.Reclaimable}} reclaimable)'], { env });
  return df.stdout.trim().split('\n').join('; ');
}
