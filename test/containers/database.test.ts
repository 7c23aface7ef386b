import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../services/common/src/database/pool.ts';
import { videoKeys } from '../../services/common/src/video.ts';
import { existingCheckout, type Checkout } from '../support/docker/checkout.ts';
import { engineEnv } from '../support/docker/engine.ts';
import { answers, secondsUntil } from '../support/docker/faults.ts';
import { BUCKET, rootClient } from '../support/media-fixtures.ts';
import { AUTH, COMPOSE_DIR, testConfig } from '../support/test-stack.ts';
import { freshId, publishDemoCopy, requestPlayback, tokenFor, videoStore } from '../support/videos.ts';

// PostgreSQL in the compose deployment, used as deploy/OPERATIONS.md says: a
// backup with pg_dump restored after a loss, and the one-time import of the
// records older versions kept in the bucket.
let checkout: Checkout;
const pool = createPool(testConfig.database);
const viewer = tokenFor('database-viewer');

/** The lines of an OPERATIONS.md code block, run in the operator's checkout as its shell would. */
async function operatorRuns(script: string) {
  const result = await checkout.run('sh', ['-ec', script], 300_000);
  expect(result.code, `${script}\n${result.stdout}${result.stderr}`).toBe(0);
  return result.stdout;
}

/** The first code block after `heading` in OPERATIONS.md that contains `marker`. */
async function documented(heading: string, marker: string): Promise<string> {
  const text = await readFile(join(checkout.dir, 'deploy/OPERATIONS.md'), 'utf8');
  const section = text.slice(text.indexOf(heading));
  const block = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes(marker));
  if (!block) throw new Error(`no sh block with ${marker} under ${heading} in OPERATIONS.md`);
  return block;
}

beforeAll(async () => {
  checkout = await existingCheckout(COMPOSE_DIR!, engineEnv());
});
afterAll(() => pool.end());

describe('PostgreSQL in the compose deployment', () => {
  it('a pg_dump taken as OPERATIONS.md says brings back a lost video record, and playback with it', async () => {
    const id = freshId('backup');
    const before = await publishDemoCopy(id);
    await operatorRuns(`mkdir -p backup\n${(await documented('## Back up PostgreSQL', 'pg_dump')).replace('/srv/backup/vidgate-$(date +%F).dump', 'backup/vidgate.dump')}`);
    const lost = await pool.query('DELETE FROM videos WHERE id = $1', [id]);
    expect(lost.rowCount).toBe(1);

    const restore = (await documented('## Back up PostgreSQL', 'pg_restore')).replace('/srv/backup/vidgate-2026-11-26.dump', 'backup/vidgate.dump');
    await operatorRuns(restore);
    await secondsUntil('auth /readyz answers 200 after the restore', () => answers(`${AUTH}/readyz`), 60_000);
    expect(await videoStore.get(id)).toEqual(before);
    expect((await requestPlayback(id, viewer)).status).toBe(200);
  });

  it('`docker compose run --rm import-metadata` brings the records of a version without PostgreSQL into the database, once', async () => {
    const id = freshId('imported');
    const video = await publishDemoCopy(id, { title: 'kept in meta.json by an older version' });
    await pool.query('DELETE FROM videos WHERE id = $1', [id]);
    const json = Buffer.from(JSON.stringify(video));
    await rootClient.putObject(BUCKET, videoKeys.meta(id), json, json.length, { 'Content-Type': 'application/json' });

    const first = await operatorRuns(await documented('### Upgrading from a version without PostgreSQL', 'import-metadata'));
    expect(first).toContain(`imported ${id}`);
    expect(await videoStore.get(id)).toEqual(video);
    expect((await requestPlayback(id, viewer)).status).toBe(200);

    const again = await operatorRuns(await documented('### Upgrading from a version without PostgreSQL', 'import-metadata'));
    expect(again).toMatch(/imported 0 videos; [1-9][0-9]* were in the database already; 0 invalid/);
  });
});
