import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../test/support/unit-database-context.ts';
import { createPool } from './database/pool.ts';
import { createVideoStore } from './video-store.ts';

// The unit project's own PostgreSQL (test/support/unit-database.ts), migrated as `npm start` migrates.
const pool = createPool(unitDatabase());
const videos = createVideoStore(pool);
afterAll(() => pool.end());

const at = (second: number) => `2026-11-26T03:00:${String(second).padStart(2, '0')}.000Z`;

describe("a video's captions in the store", () => {
  it('are added sorted, replaced per language, removed, and kept by a whole-record put', async () => {
    const id = `cap-${randomBytes(4).toString('hex')}`;
    await videos.create({ id, owner: 'alice', title: 't', visibility: 'private', status: 'ready', progress: 1, createdAt: at(0), updatedAt: at(0) });
    expect((await videos.get(id))!.captions).toEqual([]);

    await videos.setCaption(id, { language: 'fr', label: 'French', updatedAt: at(1) });
    await videos.setCaption(id, { language: 'de', label: 'German', updatedAt: at(2) });
    const replaced = await videos.setCaption(id, { language: 'fr', label: 'Français', updatedAt: at(3) });
    expect(replaced!.captions).toEqual([{ language: 'de', label: 'German', updatedAt: at(2) }, { language: 'fr', label: 'Français', updatedAt: at(3) }]);
    expect(replaced!.updatedAt).toBe(at(3));

    // The transcoder writes whole records: captions are not among the fields it writes.
    const { captions: _captions, ...record } = replaced!;
    await videos.put({ ...record, progress: 1, updatedAt: at(4) });
    expect((await videos.get(id))!.captions.map((c) => c.language)).toEqual(['de', 'fr']);

    const removed = await videos.removeCaption(id, 'de', at(5));
    expect(removed!.captions.map((c) => c.language)).toEqual(['fr']);
    expect(removed!.updatedAt).toBe(at(5));
    // Removing what is not there changes nothing, not even the time.
    expect((await videos.removeCaption(id, 'de', at(6)))!.updatedAt).toBe(at(5));
    await videos.removeCaption(id, 'fr', at(7));
    expect((await videos.get(id))!.captions).toEqual([]);
  });

  it('are for videos that exist', async () => {
    expect(await videos.setCaption('no-such-video', { language: 'en', label: 'English', updatedAt: at(0) })).toBeUndefined();
    expect(await videos.removeCaption('no-such-video', 'en', at(0))).toBeUndefined();
  });
});
