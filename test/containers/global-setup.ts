import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vectors from '../../nginx/signing-vectors.json' with { type: 'json' };
import { loadConfig } from '../../services/stack/src/stack-config.ts';
import { seedDemoObject, seedDemoVideo } from '../../services/stack/src/seed-demo.ts';
import { operatorCheckout, type Checkout } from '../support/docker/checkout.ts';
import { describeProject, diskReport, removeProject, upAndWait } from '../support/docker/compose-stack.ts';
import { ensureEngine } from '../support/docker/engine.ts';
import { ensureStandins } from '../support/docker/standins.ts';
import { containerStackEnv, ONE_HOST_DIR, operatorSettings, PROJECT_NAME } from '../support/containers.ts';
import { acquireStackLock } from '../support/stack-lock.ts';

/**
 * The vitest project "containers": the compose deployment on one host, set up
 * as deploy/OPERATIONS.md tells an operator (production mode, secrets from
 * make-secrets.sh), on a Docker engine the suite starts, with stand-ins for the
 * official images. The black-box tests then run against its published port.
 */
const say = (message: string) => console.log(`[containers] ${message}`);
let checkout: Checkout | undefined;
let unlock: (() => Promise<void>) | undefined;

export async function setup() {
  const started = Date.now();
  unlock = await acquireStackLock(join(tmpdir(), 'vidgate-test-containers.lock'), 60 * 60_000);
  const engine = await ensureEngine(say);
  await ensureStandins(engine.env, say);
  say(`engine and stand-ins ready after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await removeProject(engine.env, PROJECT_NAME);
  const settings = operatorSettings(ONE_HOST_DIR, ['docker-compose.yml']);
  checkout = await operatorCheckout(ONE_HOST_DIR, engine.env, settings);
  say(`operator checkout in ${checkout.dir} (.env from .env.example, secrets from make-secrets.sh)`);
  // The vector keys join the ring after the generated key, as a rotation's first
  // step adds a key: accepted, not signing. nginx/signing-vectors.json then runs here too.
  const ring = join(ONE_HOST_DIR, 'secrets/signing_keys');
  await writeFile(ring, `${(await readFile(ring, 'utf8')).trim()},k1:${vectors.keys.k1},k2:${vectors.keys.k2}\n`);
  await mkdir(settings.VIDGATE_TEST_LOG_DIR!, { recursive: true, mode: 0o755 });
  const { buildSeconds, upSeconds } = await upAndWait(checkout, say);
  const config = loadConfig(containerStackEnv(ONE_HOST_DIR));
  await seedDemoObject(config);
  await seedDemoVideo(config, say);
  say(`one-host stack ready in ${((Date.now() - started) / 1000).toFixed(0)} s (build ${buildSeconds.toFixed(0)} s, up to healthy ${upSeconds.toFixed(0)} s)`);
  say(`disk: ${await diskReport(engine.env)}`);
}

export async function teardown() {
  if (checkout) {
    say(`final state:\n${await describeProject(checkout)}`);
    await removeProject(checkout.env, checkout.settings.COMPOSE_PROJECT_NAME!);
  }
  await unlock?.();
}
