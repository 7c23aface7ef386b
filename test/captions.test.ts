import { describe, expect, it } from 'vitest';
import { videoKeys } from '@vidgate/common/video';
import { segmentStart, putCaption } from './support/captions.ts';
import { BUCKET, listKeys, rootClient, tamperSignature } from './support/media-fixtures.ts';
import { ORIGIN } from './support/test-stack.ts';
import { freshId, mediaObjectKey, playback, playlistUris, publishDemoCopy, segmentUris, tokenFor, variantUris } from './support/videos.ts';

// Captions through the origin, as an owner's library page and a viewer's
// player would use them: uploaded WebVTT becomes a subtitles rendition of the
// signed master, its playlist and file are signed like everything else.
const owner = freshId('captioner');
const ownerToken = tokenFor(owner);
const viewer = freshId('caption-viewer');
const viewerToken = tokenFor(viewer);
const strangerToken = tokenFor(freshId('caption-stranger'));
const CUES = 'WEBVTT\n\nNOTE made for the test\n\n1\n00:00:02.000 --> 00:00:03.000\nTwo seconds in\n\n00:00:05.000 --> 00:00:06.500 line:10%\nFive, en français: déjà\n';
const api = (method: string, path: string, token: string) => fetch(`${ORIGIN}${path}`, { method, headers: { Authorization: `Bearer ${token}` } });
const text = async (url: string | URL) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

/** The signed master of a playback, and the subtitle renditions it names (EXT-X-MEDIA lines). */
async function masterOf(id: string, token: string) {
  const pb = await playback(id, token);
  const master = await text(pb.masterUrl);
  expect(master.status).toBe(200);
  return { url: pb.masterUrl, body: master.body, subtitles: master.body.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES')) };
}

describe('captions through the origin', () => {
  it('uploaded by the owner, are a subtitles rendition of the signed master whose playlist and file answer with the exact bytes, mapped onto the segments', async () => {
    const id = freshId('captioned');
    await publishDemoCopy(id, { owner, visibility: 'private', allowedUsers: [viewer] });
    expect((await masterOf(id, viewerToken)).subtitles).toEqual([]);

    const added = await putCaption(id, 'fr-fr', ownerToken, CUES, { label: 'Français' });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ language: 'fr-FR', label: 'Français' });
    expect((await putCaption(id, 'en', ownerToken, 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n')).status).toBe(201);

    // A viewer's playback right after: the master names both, every variant refers to the group.
    const master = await masterOf(id, viewerToken);
    expect(master.subtitles.map((l) => l.replace(/URI="[^"]*"/, 'URI=…'))).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",AUTOSELECT=YES,DEFAULT=NO,URI=…',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="fr-FR",NAME="Français",AUTOSELECT=YES,DEFAULT=NO,URI=…',
    ]);
    const variants = master.body.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(variants.length).toBeGreaterThan(1);
    for (const line of variants) expect(line).toMatch(/,SUBTITLES="subs"$/);
    // Every URI in it is signed: none without its signature answers.
    for (const { uri } of playlistUris(master.body)) {
      expect(uri).toMatch(/^\/v1\/hls\/[^?]+\?.*\bsig=/);
      expect((await fetch(new URL(uri.split('?')[0]!, ORIGIN))).status).toBe(403);
    }

    const subtitleUri = /LANGUAGE="fr-FR".*URI="([^"]+)"/.exec(master.body)![1]!;
    const playlist = await text(new URL(subtitleUri, ORIGIN));
    expect([playlist.status, playlist.type]).toEqual([200, 'application/vnd.apple.mpegurl']);
    const [vttUri, ...more] = segmentUris(playlist.body);
    expect(more).toEqual([]);
    expect(mediaObjectKey(vttUri!)).toMatch(new RegExp(`^${videoKeys.prefix(id)}captions/fr-FR\\.[0-9a-f]{16}\\.vtt$`));
    expect(playlist.body).toMatch(/#EXT-X-TARGETDURATION:\d+\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:\d+\.\d{3},\n\/media\//);

    // The file: the upload, with cue time 0 mapped to where the video's first segment starts.
    const firstVariant = await text(new URL(variantUris(master.body)[0]!, ORIGIN));
    const start = await segmentStart(mediaObjectKey(segmentUris(firstVariant.body)[0]!));
    const vtt = await fetch(new URL(vttUri!, ORIGIN));
    expect([vtt.status, vtt.headers.get('content-type')]).toEqual([200, 'text/vtt; charset=utf-8']);
    expect(Buffer.from(await vtt.arrayBuffer()).toString('utf8')).toBe(CUES.replace('WEBVTT\n', `WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:${start},LOCAL:00:00:00.000\n`));

    // Tampered: refused by the auth service (playlist) and by nginx (file).
    expect((await fetch(new URL(tamperSignature(subtitleUri), ORIGIN))).status).toBe(403);
    expect((await fetch(new URL(tamperSignature(vttUri!), ORIGIN))).status).toBe(403);

    const list = await api('GET', `/v1/videos/${id}/captions`, ownerToken);
    expect((await list.json() as { captions: { language: string }[] }).captions.map((c) => c.language)).toEqual(['en', 'fr-FR']);
  });

  it('are managed by the owner alone: a viewer is refused (403), anyone else finds nothing (404), nobody signed in 401', async () => {
    const id = freshId('captions-access');
    await publishDemoCopy(id, { owner, visibility: 'private', allowedUsers: [viewer] });
    expect((await putCaption(id, 'en', viewerToken, CUES)).status).toBe(403);
    expect((await putCaption(id, 'en', strangerToken, CUES)).status).toBe(404);
    expect((await putCaption(id, 'en', undefined, CUES)).status).toBe(401);
    expect((await api('GET', `/v1/videos/${id}/captions`, viewerToken)).status).toBe(403);
    expect((await api('DELETE', `/v1/videos/${id}/captions/en`, strangerToken)).status).toBe(404);
    expect((await masterOf(id, viewerToken)).subtitles).toEqual([]);
  });

  it.each([
    ['SubRip, not WebVTT', '1\n00:00:01,000 --> 00:00:02,000\nHi\n', 'text/vtt', 400, 'caption_invalid'],
    ['a cue ending before it starts', 'WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nHi\n', 'text/vtt', 400, 'caption_invalid'],
    ['another type', CUES, 'application/x-subrip', 415, 'unsupported_media_type'],
  ])('refuses %s with a JSON error', async (_what, body, type, status, code) => {
    const id = freshId('captions-bad');
    await publishDemoCopy(id, { owner });
    const res = await putCaption(id, 'en', ownerToken, body, { type });
    expect([res.status, res.headers.get('content-type'), ((await res.json()) as { error: string }).error]).toEqual([status, 'application/json; charset=utf-8', code]);
    expect(await listKeys(rootClient, BUCKET, `${videoKeys.prefix(id)}captions/`)).toEqual([]);
  });

  it('replaced, are the new file at the next playback (a new key: no cache holds it), and the old file is removed', async () => {
    const id = freshId('captions-replaced');
    await publishDemoCopy(id, { owner, visibility: 'private', allowedUsers: [viewer] });
    const cues = (word: string) => `WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n${word}\n`;
    /** The caption file a viewer's playback leads to now: its key and its text. */
    const played = async () => {
      const master = await masterOf(id, viewerToken);
      const playlist = await text(new URL(/LANGUAGE="en".*URI="([^"]+)"/.exec(master.body)![1]!, ORIGIN));
      const [vttUri] = segmentUris(playlist.body);
      const vtt = await fetch(new URL(vttUri!, ORIGIN));
      return { key: mediaObjectKey(vttUri!), status: vtt.status, text: await vtt.text() };
    };
    expect((await putCaption(id, 'en', ownerToken, cues('Before'))).status).toBe(201);
    const before = await played();
    expect([before.status, before.text.endsWith('Before\n')]).toEqual([200, true]);

    expect((await putCaption(id, 'en', ownerToken, cues('After'))).status).toBe(200);
    const after = await played();
    // At once, though nginx's edge cache keeps a file for VIDGATE_EDGE_CACHE_FRESH seconds: the new one has another key.
    expect([after.status, after.text.endsWith('After\n')]).toEqual([200, true]);
    expect(after.key).not.toBe(before.key);
    expect(await listKeys(rootClient, BUCKET, `${videoKeys.prefix(id)}captions/`)).toEqual([after.key]);
  });

  it('removed, leave the master, their file and playlist; and none outlives its video', async () => {
    const id = freshId('captions-removed');
    await publishDemoCopy(id, { owner });
    expect((await putCaption(id, 'de', ownerToken, CUES)).status).toBe(201);
    const before = await masterOf(id, ownerToken);
    const subtitleUri = /URI="(\/v1\/hls\/[^"]+\/captions\/de\.m3u8[^"]*)"/.exec(before.body)![1]!;

    expect((await api('DELETE', `/v1/videos/${id}/captions/de`, ownerToken)).status).toBe(204);
    expect((await masterOf(id, ownerToken)).subtitles).toEqual([]);
    expect((await fetch(new URL(subtitleUri, ORIGIN))).status).toBe(404);
    expect(await listKeys(rootClient, BUCKET, `${videoKeys.prefix(id)}captions/`)).toEqual([]);

    expect((await putCaption(id, 'es', ownerToken, CUES)).status).toBe(201);
    expect((await api('DELETE', `/v1/videos/${id}`, ownerToken)).status).toBe(204);
    expect(await listKeys(rootClient, BUCKET, videoKeys.prefix(id))).toEqual([]);
  });
});
