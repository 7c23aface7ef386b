import { describe, expect, it } from 'vitest';
import { testConfig, ORIGIN } from './support/test-stack.ts';
import { eventually } from './support/poll.ts';
import { freshId, hlsObjects, playback, publishDemoCopy, requestPlayback, segmentUris, tokenFor, variantUris } from './support/videos.ts';

// Managing a video through the origin, as its owner's client would: rename and
// share it, then delete it and watch everything about it stop answering.
const owner = freshId('manager');
const ownerToken = tokenFor(owner);
const viewer = freshId('colleague');
const viewerToken = tokenFor(viewer, { groups: ['editors'] });
const api = (method: string, path: string, token: string, body?: unknown) => fetch(`${ORIGIN}${path}`, {
  method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
});

describe('an owner manages a video through the origin', () => {
  it('shares it with a group, whose member then finds it under "shared with me" and plays it', async () => {
    const id = freshId('managed');
    await publishDemoCopy(id, { owner, visibility: 'private' });
    expect((await requestPlayback(id, viewerToken)).status).toBe(403);
    const changed = await api('PATCH', `/v1/videos/${id}`, ownerToken, { title: 'Team meeting', sharedWith: { groups: ['editors'] } });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ id, title: 'Team meeting', sharedWith: { users: [], groups: ['editors'] } });
    const shared = await (await api('GET', '/v1/videos?view=shared&limit=100', viewerToken)).json() as { videos: { id: string; title: string }[] };
    expect(shared.videos.find((v) => v.id === id)?.title).toBe('Team meeting');
    expect((await requestPlayback(id, viewerToken)).status).toBe(200);
  });

  it('deletes it: playback and playlists answer 404 at once, media within the edge cache bound, and no object is left', async () => {
    const id = freshId('deleted');
    await publishDemoCopy(id, { owner, visibility: 'private', allowedUsers: [viewer] });
    // A viewer in the middle of watching, holding signed URLs.
    const pb = await playback(id, viewerToken);
    const master = await fetch(pb.masterUrl);
    expect(master.status).toBe(200);
    const variantUrl = new URL(variantUris(await master.text())[0]!, pb.masterUrl);
    const segmentUrl = new URL(segmentUris(await (await fetch(variantUrl)).text())[0]!, variantUrl);
    expect((await fetch(segmentUrl)).status).toBe(200); // now in the edge cache

    expect((await api('DELETE', `/v1/videos/${id}`, viewerToken)).status).toBe(403);
    const deleted = await api('DELETE', `/v1/videos/${id}`, ownerToken);
    expect(deleted.status).toBe(204);
    const started = Date.now();

    expect((await requestPlayback(id, viewerToken)).status).toBe(404);
    expect((await requestPlayback(id, ownerToken)).status).toBe(404);
    expect((await fetch(pb.masterUrl)).status).toBe(404);
    expect(await hlsObjects(id)).toEqual([]);
    const gone = await eventually('the cached segment stops answering 200', async () => ((await fetch(segmentUrl)).status === 404 ? true : undefined), (testConfig.edgeCache.freshSeconds + 10) * 1000);
    expect(gone).toBe(true);
    expect((await fetch(pb.posterUrl)).status).toBe(404);
    console.log(`[figures] deleted video: playback and playlists 404 at once; a cached segment 404 after ${((Date.now() - started) / 1000).toFixed(1)} s (bound: VIDGATE_EDGE_CACHE_FRESH = ${testConfig.edgeCache.freshSeconds} s)`);

    expect((await api('DELETE', `/v1/videos/${id}`, ownerToken)).status).toBe(204);
    const mine = await (await api('GET', '/v1/videos?limit=100', ownerToken)).json() as { videos: { id: string }[] };
    expect(mine.videos.map((v) => v.id)).not.toContain(id);
  });
});
