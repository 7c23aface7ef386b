import { tmpdir } from 'node:os';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { REPO_ROOT, stackPaths } from '../../services/stack/src/paths.ts';
import { stopLeftovers } from '../../services/stack/src/supervisor.ts';
import { seedDemoObject, seedDemoVideo } from '../../services/stack/src/seed-demo.ts';
import { startStack, type Stack } from '../../services/stack/src/stack.ts';
import { acquireStackLock } from './stack-lock.ts';
import { TEST_ENV, testConfig } from './test-stack.ts';

let stack: Stack | undefined;
let unlock: (() => Promise<void>) | undefined;

/** Starts the real stack (MinIO, nginx, services) once for the black-box suite. */
export async function setup() {
  // Machine-wide and keyed by the port: two checkouts share the ports, not the folder.
  unlock = await acquireStackLock(join(tmpdir(), `vidgate-test-stack-${testConfig.ports.origin}.lock`), 20 * 60_000);
  await stopLeftovers(stackPaths(testConfig.dataDir).run, (m) => console.log(`[test stack] ${m}`));
  await rm(resolve(REPO_ROOT, testConfig.dataDir), { recursive: true, force: true });
  const started = Date.now();
  stack = await startStack({
    config: testConfig,
    env: { ...process.env, ...TEST_ENV },
    progress: (m) => console.log(`[test stack] ${m}`),
    seed: async (config) => {
      await seedDemoObject(config);
      await seedDemoVideo(config, (m) => console.log(`[test stack] ${m}`));
    },
  });
  console.log(`[test stack] ready in ${Date.now() - started} ms at ${stack.originUrl}`);
}

export async function teardown() {
  await stack?.stop();
  await unlock?.();
}
