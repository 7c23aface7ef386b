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

    expect(await videos.setCaption(id, { language: 'fr', label: 'French', updatedAt: at(1), version: 'a1' })).not.toHaveProperty('previous');
    await videos.setCaption(id, { language: 'de', label: 'German', updatedAt: at(2) });
    const replaced = await videos.setCaption(id, { language: 'fr', label: 'Français', updatedAt: at(3), version: 'b2' });
    // What it replaced comes back, so that its file can go.
    expect(replaced!.previous).toEqual({ language: 'fr', label: 'French', updatedAt: at(1), version: 'a1' });
    expect(replaced!.video.captions).toEqual([{ language: 'de', label: 'German', updatedAt: at(2) }, { language: 'fr', label: 'Français', updatedAt: at(3), version: 'b2' }]);
    expect(replaced!.video.updatedAt).toBe(at(3));

    // The transcoder writes whole records: captions are not among the fields it writes.
    const { captions: _captions, ...record } = replaced!.video;
    await videos.put({ ...record, progress: 1, updatedAt: at(4) });
    expect((await videos.get(id))!.captions.map((c) => c.language)).toEqual(['de', 'fr']);

    const removed = await videos.removeCaption(id, 'de', at(5));
    expect(removed!.video.captions.map((c) => c.language)).toEqual(['fr']);
    expect(removed!.video.updatedAt).toBe(at(5));
    expect(removed!.previous).toEqual({ language: 'de', label: 'German', updatedAt: at(2) });
    // Removing what is not there changes nothing, not even the time.
    const again = await videos.removeCaption(id, 'de', at(6));
    expect(again!.video.updatedAt).toBe(at(5));
    expect(again).not.toHaveProperty('previous');
    await videos.removeCaption(id, 'fr', at(7));
    expect((await videos.get(id))!.captions).toEqual([]);
  });

  it('tell each of two writers at once which caption it replaced: every version is replaced exactly once', async () => {
    const id = `cap-${randomBytes(4).toString('hex')}`;
    await videos.create({ id, owner: 'alice', title: 't', visibility: 'private', status: 'ready', progress: 1, createdAt: at(0), updatedAt: at(0) });
    const versions = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const changes = await Promise.all(versions.map((version, i) => videos.setCaption(id, { language: 'en', label: 'English', updatedAt: at(i + 1), version })));
    const replaced = changes.map((c) => c!.previous?.version).filter((v) => v !== undefined);
    const last = (await videos.get(id))!.captions[0]!.version!;
    // Each version but the one that stayed was replaced once: none is lost (its file would stay stored) or removed twice.
    expect([...replaced, last].sort()).toEqual([...versions].sort());
  });

  it('are for videos that exist', async () => {
    expect(await videos.setCaption('no-such-video', { language: 'en', label: 'English', updatedAt: at(0) })).toBeUndefined();
    expect(await videos.removeCaption('no-such-video', 'en', at(0))).toBeUndefined();
  });
});
