import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existingCheckout, type Checkout } from '../support/docker/checkout.ts';
import { engineEnv } from '../support/docker/engine.ts';
import { containerIds, healthy, killServiceProcess, restartCount, secondsUntil } from '../support/docker/faults.ts';
import { documentedSecrets, projectContainers, secretsOf } from '../support/docker/least-privilege.ts';
import { CONTAINER_PORTS } from '../support/containers.ts';
import { playedSeconds } from '../support/pipeline.ts';
import { playerGet, pollUntil } from '../support/poll.ts';
import { scrapeTargets } from '../support/prometheus.ts';
import { COMPOSE_DIR, ORIGIN } from '../support/test-stack.ts';
import { DEMO_ID, playback, segmentUris, tokenFor, variantUris, type Playback } from '../support/videos.ts';

// The replicas the scale-out layout runs, and what they are for: an origin
// replica can die mid-stream, signing keys rotate under continuous playback,
// and every replica holds only its own secrets and is scraped.
const figure = (message: string) => console.log(`[figures] ${message}`);
let checkout: Checkout;
let work: string;

beforeAll(async () => {
  checkout = await existingCheckout(COMPOSE_DIR!, engineEnv());
  work = await mkdtemp(join(tmpdir(), 'vidgate-replicas-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the scale-out layout', () => {
  it('runs two auth and two origin replicas, each with exactly the secrets OPERATIONS.md lists', async () => {
    const containers = await projectContainers(checkout);
    expect(containers.filter((c) => c.service === 'auth' && c.running)).toHaveLength(2);
    expect(containers.filter((c) => c.service === 'origin' && c.running)).toHaveLength(2);
    const documented = await documentedSecrets();
    for (const container of containers) {
      expect(documented.has(container.service), `${container.service} is not in the table`).toBe(true);
      expect(await secretsOf(checkout, container), container.name).toEqual(documented.get(container.service));
    }
  });

  it('has Prometheus scrape every auth replica', async () => {
    const auth = await scrapeTargets('vidgate-auth', 2, `http://127.0.0.1:${CONTAINER_PORTS.prometheus}`);
    expect(auth.map((t) => t.health)).toEqual(['up', 'up']);
  });
});

describe('an origin replica killed during playback through the balancer', () => {
  it('the stream completes, and Docker restarts the replica', async () => {
    const pb = await playback(DEMO_ID, tokenFor('origin-kill-viewer'));
    const playing = playedSeconds(pb.masterUrl, work, { realtime: true });
    await new Promise((r) => setTimeout(r, 3_000));
    const [victim] = await containerIds(checkout, 'origin');
    const restarts = await restartCount(checkout.env, victim!);
    await killServiceProcess(checkout.env, victim!);
    const { seconds, stderr } = await playing;
    expect(stderr).toBe('');
    expect(Math.abs(seconds - 12)).toBeLessThan(0.5);
    const back = await secondsUntil('the killed origin replica healthy again', async () => (await restartCount(checkout.env, victim!)) > restarts && (await healthy(checkout.env, victim!)), 60_000);
    figure(`origin replica SIGKILL during playback: the stream played through; the replica healthy again after ${back.toFixed(1)} s`);
  });
});

describe('signing keys rotated with reload.sh during continuous playback', () => {
  it('answers every request 2xx through all three steps', async () => {
    const ring = join(checkout.dir, 'secrets/signing_keys');
    const [oldEntry] = (await readFile(ring, 'utf8')).trim().split(',');
    const newEntry = `k2099:${'N'.repeat(43)}`;
    const statuses: number[] = [];
    const retried = { count: 0 };
    let rounds = 0;
    let stop = false;
    /** One viewer: a new playback, its master, every variant and a segment of each; the statuses seen (0: no response at all). */
    const viewOnce = async (): Promise<number[]> => {
      const seen: number[] = [];
      try {
        const granted = await playerGet(`${ORIGIN}/v1/videos/${DEMO_ID}/playback`, { headers: { Authorization: `Bearer ${tokenFor('rotation-viewer')}` }, retried });
        seen.push(granted.status);
        if (granted.status !== 200) return seen;
        const pb = (await granted.json()) as Playback;
        const master = await playerGet(pb.masterUrl, { retried });
        seen.push(master.status);
        for (const variant of variantUris(await master.text())) {
          const res = await playerGet(new URL(variant, pb.masterUrl), { retried });
          seen.push(res.status);
          const segment = await playerGet(new URL(segmentUris(await res.text())[0]!, new URL(variant, pb.masterUrl)), { retried });
          await segment.arrayBuffer();
          seen.push(segment.status);
        }
      } catch {
        seen.push(0);
      }
      return seen;
    };
    // Viewers one after another, until the rotation is done.
    const viewing = (async () => {
      while (!stop) {
        statuses.push(...(await viewOnce()));
        rounds++;
      }
    })();
    /** A step of OPERATIONS.md's rotation: the ring written, reload.sh run to "done". */
    const step = async (entries: string[]) => {
      await writeFile(ring, `${entries.join(',')}\n`);
      const reloaded = await checkout.run('sh', ['deploy/compose/reload.sh'], 300_000);
      expect(reloaded.code, reloaded.stdout + reloaded.stderr).toBe(0);
      expect(reloaded.stdout).toContain('[reload] done');
      // Let at least one whole round of viewing start after the step.
      const after = rounds;
      await pollUntil(async () => rounds, (r) => r >= after + 2, { timeoutMs: 30_000, intervalMs: 100 });
    };
    const started = Date.now();
    await step([oldEntry!, newEntry]);
    await step([newEntry, oldEntry!]);
    await step([newEntry]);
    stop = true;
    await viewing;
    const failed = statuses.filter((s) => s < 200 || s >= 300);
    expect(failed).toEqual([]);
    expect(rounds).toBeGreaterThan(5);
    const pb = await playback(DEMO_ID, tokenFor('rotation-check'));
    expect(new URL(pb.masterUrl).searchParams.get('kid')).toBe('k2099');
    figure(`key rotation, three reload.sh steps in ${((Date.now() - started) / 1000).toFixed(0)} s: ${statuses.length} requests during continuous playback, ${failed.length} not 2xx (${retried.count} sent again after a graceful reload closed their idle connection)`);
  }, 300_000);
});
