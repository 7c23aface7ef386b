import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoKeys } from '@vidgate/common/video';
import { BUCKET, rootClient } from './support/media-fixtures.ts';
import { eventually } from './support/poll.ts';
import { cueAt, parseStoryboard, unsigned, uploadReadyClip, type StoryboardCue } from './support/storyboard.ts';
import { testConfig } from './support/test-stack.ts';
import { api } from './support/uploads.ts';
import { freshId, hlsObjects, playback, requestPlayback, tokenFor } from './support/videos.ts';

// Seek thumbnails end to end: an upload through the origin comes out of the
// transcoder with a storyboard; playback hands out its signed URL; every sheet
// it names is signed and served by nginx; nothing answers unsigned or
// tampered; deleting the video takes the sheets with it.
const owner = tokenFor(freshId('storyboard-owner'));
const CLIP = { seconds: 14, width: 640, height: 360 };

let id: string;
let storyboardUrl: string;
let vtt: string;
let cues: StoryboardCue[];

beforeAll(async () => {
  id = await uploadReadyClip(owner, CLIP);
  const pb = await playback(id, owner);
  expect(pb.storyboardUrl, JSON.stringify(pb)).toBeDefined();
  storyboardUrl = pb.storyboardUrl!;
  const res = await fetch(storyboardUrl, { headers: { Origin: 'https://portal.example.test' } });
  expect(res.status).toBe(200);
  // A player on another site's page reads it too (cors-playback.test.ts).
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  vtt = await res.text();
  cues = parseStoryboard(vtt, storyboardUrl);
});

afterAll(async () => {
  if (id) await api(`/v1/videos/${id}`, { method: 'DELETE', token: owner });
});

describe('a new upload', () => {
  it('ends ready with a storyboard whose cues cover the whole video, one tile a second', async () => {
    expect(cues).toHaveLength(CLIP.seconds);
    expect(cues[0]!.start).toBe(0);
    for (const [i, cue] of cues.entries()) {
      expect(cue.end).toBeGreaterThan(cue.start);
      if (i > 0) expect(cue.start).toBe(cues[i - 1]!.end);
      expect({ w: cue.w, h: cue.h }).toEqual({ w: 160, h: 90 });
    }
    expect(cues.at(-1)!.end).toBeCloseTo(CLIP.seconds, 1);
    expect(cueAt(cues, 7.5)).toMatchObject({ start: 7, x: 7 * 160, y: 0 });
    expect((await hlsObjects(id)).map((o) => o.key)).toEqual(expect.arrayContaining(['storyboard.vtt', 'storyboard-0.jpg']));
  });

  it('is served private and revalidated, like a playlist', async () => {
    const res = await fetch(storyboardUrl);
    expect(res.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    // fetch() adds "Cache-Control: no-cache" (a forced reload) to a conditional request unless told otherwise; a browser revalidating sends max-age=0.
    const again = await fetch(storyboardUrl, { headers: { 'If-None-Match': res.headers.get('etag')!, 'Cache-Control': 'max-age=0' } });
    expect(again.status).toBe(304);
  });

  it('names only signed sheet URLs, each answering 200 image/jpeg, and none unsigned or tampered', async () => {
    const sheets = [...new Set(cues.map((c) => c.url))];
    expect(sheets).toHaveLength(1);
    for (const url of sheets) {
      const u = new URL(url);
      expect(u.pathname).toBe(`/media/${videoKeys.hlsPrefix(id)}storyboard-0.jpg`);
      expect([...u.searchParams.keys()].sort()).toEqual(['exp', 'kid', 'sig']);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);

      expect((await fetch(unsigned(url))).status).toBe(403);
      const sig = u.searchParams.get('sig')!;
      const tampered = new URL(url);
      tampered.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
      expect((await fetch(tampered)).status).toBe(403);
      const later = new URL(url);
      later.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 3600));
      expect((await fetch(later)).status).toBe(403);
      // A signature for this sheet does not open another object of the video.
      expect((await fetch(url.replace('storyboard-0.jpg', 'poster.jpg'))).status).toBe(403);
    }
  });

  it('refuses the storyboard URL itself unsigned or tampered', async () => {
    expect((await fetch(unsigned(storyboardUrl))).status).toBe(403);
    const tampered = new URL(storyboardUrl);
    tampered.searchParams.set('sig', 'A'.repeat(43));
    const res = await fetch(tampered);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'signature_invalid' });
  });
});

describe('a deleted video', () => {
  it('loses its sheets and its storyboard: objects gone, URLs answering 404 (cached sheets within the edge cache bound)', async () => {
    const sheet = cues[0]!.url;
    expect((await api(`/v1/videos/${id}`, { method: 'DELETE', token: owner })).status).toBe(204);
    await expect(rootClient.statObject(BUCKET, `${videoKeys.hlsPrefix(id)}storyboard-0.jpg`)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(rootClient.statObject(BUCKET, `${videoKeys.hlsPrefix(id)}storyboard.vtt`)).rejects.toMatchObject({ code: 'NotFound' });
    expect((await requestPlayback(id, owner)).status).toBe(404);
    expect((await fetch(storyboardUrl)).status).toBe(404);
    await eventually('the signed sheet stops answering 200', async () => ((await fetch(sheet)).status === 404 ? true : undefined), (testConfig.edgeCache.freshSeconds + 10) * 1000);
  });
});
