import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vectors from '../../../nginx/signing-vectors.json' with { type: 'json' };
import { seedDemoObject, seedDemoVideo } from '../../../services/stack/src/seed-demo.ts';
import { loadConfig } from '../../../services/stack/src/stack-config.ts';
import { stackPaths } from '../../../services/stack/src/paths.ts';
import { containerStackEnv, hostDataDir, operatorSettings, PROJECT_NAME } from '../containers.ts';
import { acquireStackLock } from '../stack-lock.ts';
import { operatorCheckout } from './checkout.ts';
import { describeProject, diskReport, pruneEngine, removeProject, upAndWait } from './compose-stack.ts';
import { ensureEngine } from './engine.ts';
import { ensureStandins } from './standins.ts';

export interface OperatorStackOptions {
  /** Shown before every progress line. */
  name: string;
  dir: string;
  /** The compose files, the test-only overrides included (LAYOUTS). */
  files: readonly string[];
  /** .env lines besides those of operatorSettings. */
  settings?: Readonly<Record<string, string>>;
  /** Add nginx/signing-vectors.json's keys to the ring (accepted, not signing), so the vectors run through this nginx too. */
  vectorKeys?: boolean;
}

/**
 * A vitest global setup for a compose stack: the engine and stand-ins, an
 * operator's checkout that follows OPERATIONS.md (production mode, secrets from
 * make-secrets.sh), `docker compose up --wait`, and the demo content. Returns
 * the teardown, which removes the project (containers, networks, volumes) and
 * keeps the images for the next run.
 */
export async function startOperatorStack(options: OperatorStackOptions): Promise<() => Promise<void>> {
  const say = (message: string) => console.log(`[${options.name}] ${message}`);
  const started = Date.now();
  const unlock = await acquireStackLock(join(tmpdir(), 'vidgate-test-compose.lock'), 60 * 60_000);
  try {
    const engine = await ensureEngine(say);
    await ensureStandins(engine.env, say);
    say(`engine and stand-ins ready after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await removeProject(engine.env, PROJECT_NAME);
    const settings = { ...operatorSettings(options.dir, options.files), ...options.settings };
    const checkout = await operatorCheckout(options.dir, engine.env, settings);
    say(`operator checkout in ${checkout.dir} (.env from .env.example, secrets from make-secrets.sh)`);
    if (options.vectorKeys) {
      // Appended as a rotation's first step adds a key: accepted, not signing.
      const ring = join(options.dir, 'secrets/signing_keys');
      await writeFile(ring, `${(await readFile(ring, 'utf8')).trim()},k1:${vectors.keys.k1},k2:${vectors.keys.k2}\n`);
    }
    await mkdir(settings.VIDGATE_TEST_LOG_DIR!, { recursive: true, mode: 0o755 });
    const { buildSeconds, upSeconds } = await upAndWait(checkout, say);
    const config = loadConfig(containerStackEnv(options.dir));
    await seedDemoObject(config);
    await seedDemoVideo(config, say);
    say(`ready in ${((Date.now() - started) / 1000).toFixed(0)} s (build ${buildSeconds.toFixed(0)} s, up to healthy ${upSeconds.toFixed(0)} s)`);
    say(`disk: ${await diskReport(engine.env)}`);
    return async () => {
      say(`final state:\n${await describeProject(checkout)}`);
      // Every container's output, kept for the scan of all logs that runs after the suite (test/logs/).
      const logs = await checkout.compose(['logs', '--no-color', '--timestamps'], 120_000);
      await mkdir(stackPaths(hostDataDir(options.dir)).logs, { recursive: true });
      await writeFile(join(stackPaths(hostDataDir(options.dir)).logs, 'compose.log'), logs.stdout + logs.stderr);
      await removeProject(checkout.env, PROJECT_NAME);
      await pruneEngine(checkout.env);
      say(`disk after cleaning up: ${await diskReport(checkout.env)}`);
      await unlock();
    };
  } catch (err) {
    await unlock();
    throw err;
  }
}
