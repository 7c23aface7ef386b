import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordedPage, type Exchange } from './support/browser.ts';
import { putCaption } from './support/captions.ts';
import { ORIGIN } from './support/test-stack.ts';
import { freshId, publishDemoCopy, tokenFor, videoStore } from './support/videos.ts';

// The player page in a real Chromium plays a video with captions: hls.js finds
// the subtitles rendition in the signed master, the page's Captions menu turns
// it on, and each cue is active exactly over its own time on the video's
// timeline (the file's X-TIMESTAMP-MAP puts cue time 0 where the segments start).
const owner = freshId('captions-browser-owner');
const CUES = [
  { start: 2, end: 3, text: 'Two seconds in' },
  { start: 6, end: 7.5, text: 'Six, with <b>markup</b>' },
];
const VTT = `WEBVTT\n\n${CUES.map((c, i) => `${i + 1}\n${stamp(c.start)} --> ${stamp(c.end)}\n${c.text}\n`).join('\n')}`;
function stamp(seconds: number): string {
  return `00:00:${seconds.toFixed(3).padStart(6, '0')}`;
}

const id = freshId('captions-browser');
let browser: Browser | undefined;
let page: Page;
let traffic: Exchange[];
let pageLog: string[];

beforeAll(async () => {
  await publishDemoCopy(id, { owner, visibility: 'public' });
  const added = await putCaption(id, 'en', tokenFor(owner), VTT, { label: 'English CC' });
  expect(added.status).toBe(201);
  browser = await launchChromium();
  ({ page, traffic, pageLog } = await recordedPage(browser));
});

afterAll(async () => {
  await browser?.close();
});

interface HlsGlobals { vidgateHls: { subtitleTracks: { name: string; lang?: string }[]; subtitleTrack: number } }

/** The showing text track's cues as Chromium holds them, and those active now. */
const trackState = (p: Page) => p.evaluate(() => {
  const track = [...document.querySelector('video')!.textTracks].find((t) => t.mode === 'showing');
  const text = (cue: TextTrackCue) => (cue as VTTCue).text;
  return track && {
    label: track.label,
    language: track.language,
    cues: [...(track.cues ?? [])].map((c) => ({ start: c.startTime, end: c.endTime, text: text(c) })),
    active: [...(track.activeCues ?? [])].map(text),
  };
});

/** Pauses the video at `seconds` and waits until it has seeked there. */
const seekTo = (p: Page, seconds: number) => p.evaluate((t) => new Promise<number>((done) => {
  const video = document.querySelector('video')!;
  video.pause();
  video.addEventListener('seeked', () => done(video.currentTime), { once: true });
  video.currentTime = t;
}), seconds);

describe('captions in the player page', () => {
  it('are offered by hls.js, turned on from the Captions menu, and each cue is active over its own time', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      const work = await mkdtemp(join(tmpdir(), 'vidgate-captions-browser-'));
      await page.screenshot({ path: join(work, 'failure.png') }).catch(() => {});
      await writeFile(join(work, 'traffic.json'), JSON.stringify({ traffic, pageLog, track: await trackState(page).catch(() => undefined) }, null, 2));
      console.error(`[captions-browser] screenshot, traffic and page log in ${work}`);
    });
    await page.goto(`${ORIGIN}/?v=${id}`);
    await page.waitForSelector('#captions:not([disabled])', { timeout: 20_000 });
    const tracks = await page.evaluate(() => (window as unknown as HlsGlobals).vidgateHls.subtitleTracks.map((t) => ({ name: t.name, lang: t.lang })));
    expect(tracks).toEqual([{ name: 'English CC', lang: 'en' }]);
    expect(await page.$$eval('#captions option', (options) => options.map((o) => o.textContent))).toEqual(['Off', 'English CC (en)']);

    await page.selectOption('#captions', '0');
    await page.waitForFunction(() => {
      const track = [...document.querySelector('video')!.textTracks].find((t) => t.mode === 'showing');
      return (track?.cues?.length ?? 0) >= 2;
    }, undefined, { timeout: 20_000, polling: 100 });
    const loaded = (await trackState(page))!;
    expect([loaded.label, loaded.language]).toEqual(['English CC', 'en']);
    // On the video's timeline: without the mapping they would sit 1.4 s early (ffmpeg's first timestamp).
    expect(loaded.cues.map((c) => c.text)).toEqual(CUES.map((c) => c.text));
    loaded.cues.forEach((cue, i) => {
      expect(cue.start).toBeCloseTo(CUES[i]!.start, 1);
      expect(cue.end).toBeCloseTo(CUES[i]!.end, 1);
    });

    for (const [at, active] of [[1.7, []], [2.3, [CUES[0]!.text]], [2.8, [CUES[0]!.text]], [3.3, []], [6.6, [CUES[1]!.text]]] as const) {
      const now = await seekTo(page, at);
      expect(now).toBeCloseTo(at, 1);
      expect({ at, active: (await trackState(page))!.active }).toEqual({ at, active });
    }

    // The file came from nginx's /media/, signed; the subtitle playlist from the auth service's playlist route.
    const fetched = traffic.filter((e) => e.path.includes('/captions/'));
    expect(fetched.map((e) => `${e.path} ${e.status}`.replace(/\.[0-9a-f]{16}\.vtt /, '.<version>.vtt '))).toEqual([`/v1/hls/${id}/captions/en.m3u8 200`, `/media/videos/${id}/captions/en.<version>.vtt 200`]);
    expect(fetched.every((e) => new URL(e.url).searchParams.has('sig'))).toBe(true);
  }, 60_000);

  it("are added from a WebVTT file and removed on the owner's library page", async () => {
    await page.goto(`${ORIGIN}/library.html`);
    await page.waitForFunction(() => (window as unknown as { vidgateLibrary?: { loaded: number } }).vidgateLibrary!.loaded > 0, undefined, { timeout: 15_000 });
    // The demo sign-in made this browser a user of its own: give it a ready video.
    const me = (await page.locator('#user').textContent())!;
    const mine = freshId('captions-library');
    await publishDemoCopy(mine, { owner: me, title: 'Needs captions', visibility: 'private' });
    await page.reload();
    const row = page.locator(`li.video[data-id="${mine}"]`);
    await row.locator('.captions summary').click();
    const form = row.locator('form.add-caption');
    await form.locator('input[name=language]').fill('de');
    await form.locator('input[name=label]').fill('Deutsch');
    await form.locator('input[name=file]').setInputFiles({ name: 'de.vtt', mimeType: 'text/vtt', buffer: Buffer.from(VTT) });
    await form.locator('button[type=submit]').click();
    await expect.poll(() => row.locator('.caption-list li').allTextContents(), { timeout: 10_000 }).toEqual(['Deutsch (de) Remove']);
    expect((await videoStore.get(mine))!.captions.map((c) => `${c.language} ${c.label}`)).toEqual(['de Deutsch']);

    await row.locator('.caption-list button').click();
    await expect.poll(() => row.locator('.caption-list li').count(), { timeout: 10_000 }).toBe(0);
    expect((await videoStore.get(mine))!.captions).toEqual([]);
  }, 60_000);
});
