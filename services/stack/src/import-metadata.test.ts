import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../test/support/unit-database-context.ts';
import { createPool } from '@vidgate/common/database/pool';
import { memoryObjectStore } from '@vidgate/common/memory-object-store';
import { videoKeys, type Video } from '@vidgate/common/video';
import { createVideoStore } from '@vidgate/common/video-store';
import { importMetadata } from './import-metadata.ts';

const pool = createPool(unitDatabase());
const videos = createVideoStore(pool);
afterAll(() => pool.end());

describe('vidgate import-metadata', () => {
  it('copies every meta.json the database lacks, once, names the invalid ones and overwrites nothing', async () => {
    const tag = randomBytes(4).toString('hex');
    const objects = memoryObjectStore();
    const record = (id: string, title: string): Video => ({
      id, owner: `owner-${tag}`, title, description: '', visibility: 'private', allowedUsers: ['bob'], allowedGroups: [], status: 'ready', progress: 1, durationSeconds: 12, captions: [],
      renditions: [{ kind: 'video', name: '360p', width: 640, height: 360, bandwidth: 800_000 }], createdAt: '2026-01-02T03:04:05.678Z', updatedAt: '2026-01-02T03:04:06.000Z',
    });
    const a = record(`a-${tag}`, 'first');
    const b = record(`b-${tag}`, 'second');
    const present = record(`p-${tag}`, 'in the bucket');
    for (const v of [a, b, present]) await objects.putText(videoKeys.meta(v.id), JSON.stringify(v), 'application/json');
    await objects.putText(videoKeys.meta(`bad-${tag}`), '{"id": ', 'application/json');
    await objects.putText(videoKeys.meta(`other-${tag}`), JSON.stringify({ ...a, id: `not-other-${tag}` }), 'application/json');
    await objects.putText(videoKeys.meta(`nostatus-${tag}`), JSON.stringify({ ...a, id: `nostatus-${tag}`, status: 'lost' }), 'application/json');
    await objects.putText(`videos/media-only-${tag}/hls/master.m3u8`, '#EXTM3U\n', 'application/vnd.apple.mpegurl');
    const inDatabase = { ...present, title: 'renamed since' };
    await videos.create(inDatabase);

    const report = await importMetadata(objects, videos);
    expect(report.imported.sort()).toEqual([a.id, b.id]);
    expect(report.present).toEqual([present.id]);
    expect(report.invalid.map((i) => i.id).sort()).toEqual([`bad-${tag}`, `nostatus-${tag}`, `other-${tag}`]);
    expect(report.invalid.find((i) => i.id === `other-${tag}`)!.reason).toBe(`its id is not-other-${tag}`);
    expect(await videos.get(a.id)).toEqual(a);
    expect(await videos.get(b.id)).toEqual(b);
    expect(await videos.get(present.id)).toEqual(inDatabase);

    const again = await importMetadata(objects, videos);
    expect(again.imported).toEqual([]);
    expect(again.present.sort()).toEqual([a.id, b.id, present.id].sort());
  });
});
