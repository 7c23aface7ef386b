import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { unitDatabase } from '../../../test/support/unit-database-context.ts';
import { createPool } from './database/pool.ts';
import type { Video } from './video.ts';
import { createVideoStore } from './video-store.ts';

// The unit project's own PostgreSQL (test/support/unit-database.ts), migrated as `npm start` migrates.
const pool = createPool(unitDatabase());
const videos = createVideoStore(pool);
afterAll(() => pool.end());

const owner = () => `owner-${randomBytes(4).toString('hex')}`;
const at = (minutesAgo: number) => new Date(Date.parse('2026-11-25T12:00:00.000Z') - minutesAgo * 60_000).toISOString();
function video(id: string, ownerName: string, createdAt: string, status: Video['status'] = 'ready'): Video {
  return { id, owner: ownerName, title: `title ${id}`, description: '', visibility: 'private', allowedUsers: ['bob'], allowedGroups: [], status, progress: 0.5, renditions: [], captions: [], createdAt, updatedAt: createdAt };
}

describe('the video store on PostgreSQL', () => {
  it('gives back exactly what it was given, every field, and replaces a record with put', async () => {
    const alice = owner();
    const full: Video = {
      ...video(`v-${randomBytes(4).toString('hex')}`, alice, at(1), 'ready'),
      failureReason: 'none', durationSeconds: 12.5, progress: 1, hasStoryboard: true,
      renditions: [{ kind: 'video', name: '720p', width: 1280, height: 720, bandwidth: 2_800_000 }, { kind: 'audio', name: 'audio', bandwidth: 75_000, audioBitrate: 64_000 }],
      source: { fileName: 'a.mp4', contentType: 'video/mp4', size: 123, uploadId: 'u1', partSize: 5 * 1024 ** 2 },
    };
    await videos.create(full);
    expect(await videos.get(full.id)).toEqual(full);
    const renamed = { ...full, title: 'renamed', updatedAt: at(0) };
    await videos.put(renamed);
    expect(await videos.get(full.id)).toEqual(renamed);
    await expect(videos.create(full)).rejects.toThrow(/duplicate key/);
    expect(await videos.get('no such id')).toBeUndefined(); // not even a query: not a video id
  });

  it('pages one owner\'s library newest first, ties broken by id, with a cursor and a status filter that knows expired uploads', async () => {
    const alice = owner();
    const others = owner();
    const same = at(10);
    const made = [video('p-a', alice, same), video('p-b', alice, same), video('p-c', alice, at(5), 'uploading'), video('p-d', alice, at(200), 'uploading'), video('p-e', alice, at(1), 'failed'), video('p-f', others, at(0))]
      .map((v) => ({ ...v, id: `${v.id}-${alice}` }));
    for (const v of made) await videos.create(v);
    const expiredBefore = at(60); // uploads older than an hour have expired
    const ids = (list: Video[]) => list.map((v) => v.id.slice(0, 3));
    const first = await videos.page({ owner: alice }, { limit: 2, expiredBefore });
    expect(ids(first)).toEqual(['p-e', 'p-c']);
    const second = await videos.page({ owner: alice }, { limit: 2, after: { createdAt: first[1]!.createdAt, id: first[1]!.id }, expiredBefore });
    expect(ids(second)).toEqual(['p-b', 'p-a']);
    const last = await videos.page({ owner: alice }, { limit: 2, after: { createdAt: second[1]!.createdAt, id: second[1]!.id }, expiredBefore });
    expect(ids(last)).toEqual(['p-d']);
    expect(ids(await videos.page({ owner: alice }, { limit: 10, status: 'uploading', expiredBefore }))).toEqual(['p-c']);
    expect(ids(await videos.page({ owner: alice }, { limit: 10, status: 'failed', expiredBefore }))).toEqual(['p-e', 'p-d']);
    expect(ids(await videos.createdSince(alice, at(6)))).toEqual(['p-c', 'p-e']);
  });

  it('lists what is shared with a user, by name or by one of their groups, never their own; and everything for an admin', async () => {
    const alice = owner();
    const bob = owner();
    const group = `group-${bob}`;
    const byName = { ...video(`s-name-${alice}`, alice, at(3)), allowedUsers: [bob] };
    const byGroup = { ...video(`s-group-${alice}`, alice, at(2)), allowedUsers: [], allowedGroups: [group] };
    const notShared = { ...video(`s-none-${alice}`, alice, at(1)), allowedUsers: [] };
    const bobsOwn = { ...video(`s-own-${bob}`, bob, at(0)), allowedUsers: [bob] };
    for (const v of [byName, byGroup, notShared, bobsOwn]) await videos.create(v);
    const expiredBefore = at(60);
    const shared = await videos.page({ sharedWith: { user: bob, groups: [group, 'other'] } }, { limit: 10, expiredBefore });
    expect(shared.map((v) => v.id)).toEqual([byGroup.id, byName.id]);
    expect((await videos.page({ sharedWith: { user: bob, groups: [] } }, { limit: 10, expiredBefore })).map((v) => v.id)).toEqual([byName.id]);
    // Every test file of the unit run shares the database: other files' videos, made now, come first.
    const all = (await videos.page({ all: true }, { limit: 100_000, expiredBefore })).map((v) => v.id);
    for (const v of [byName, byGroup, notShared, bobsOwn]) expect(all).toContain(v.id);
  });

  it('patches only the fields it is given, keeping a concurrent change to the others, and removes a record once', async () => {
    const alice = owner();
    const v = video(`patch-${alice}`, alice, at(1), 'processing');
    await videos.create(v);
    // The transcoder writes progress meanwhile: a patch of the title must not undo it.
    await videos.put({ ...v, progress: 0.75 });
    const patched = await videos.patch(v.id, { title: 'renamed', allowedGroups: ['editors'], updatedAt: at(0) });
    expect(patched).toEqual({ ...v, progress: 0.75, title: 'renamed', allowedGroups: ['editors'], updatedAt: at(0) });
    expect(await videos.get(v.id)).toEqual(patched);
    expect(await videos.patch('nothing-here', { title: 'x', updatedAt: at(0) })).toBeUndefined();
    expect(await videos.remove(v.id)).toBe(true);
    expect(await videos.remove(v.id)).toBe(false);
    expect(await videos.get(v.id)).toBeUndefined();
  });

  it("runs one owner's locked work one at a time across connections, other owners' alongside, and goes on after a failure", async () => {
    const alice = owner();
    const bob = owner();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name} start`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    // Each call takes its own connection from the pool: the lock lives in PostgreSQL, not in this process.
    const a1 = videos.withOwnerLock(alice, step('a1', 150, true));
    await new Promise((r) => setTimeout(r, 50));
    const results = await Promise.allSettled([a1, videos.withOwnerLock(alice, step('a2', 5)), videos.withOwnerLock(bob, step('b1', 10))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(log.indexOf('b1 end')).toBeLessThan(log.indexOf('a1 end'));
  });

  it('rolls back what locked work wrote when it fails', async () => {
    const alice = owner();
    const id = `rb-${alice}`;
    await expect(videos.withOwnerLock(alice, async (locked) => {
      await locked.create(video(id, alice, at(0)));
      throw new Error('refused after writing');
    })).rejects.toThrow('refused after writing');
    expect(await videos.get(id)).toBeUndefined();
  });

  it('answers 503 database_unavailable when the server cannot be reached', async () => {
    const gone = createPool({ ...unitDatabase(), port: 1 });
    try {
      await expect(createVideoStore(gone).get('abc')).rejects.toMatchObject({ code: 'database_unavailable', status: 503 });
      await expect(createVideoStore(gone).ping()).rejects.toMatchObject({ code: 'database_unavailable' });
    } finally {
      await gone.end();
    }
  });
});
