import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordedPage, type Exchange } from './support/browser.ts';
import { cueAt, parseStoryboard, unsigned, uploadReadyClip, type StoryboardCue } from './support/storyboard.ts';
import { ORIGIN } from './support/test-stack.ts';
import { api } from './support/uploads.ts';
import { freshId, playback, tokenFor } from './support/videos.ts';

// The player page in a real Chromium, for a video the transcoder has just made
// ready: hovering the strip under the video shows the storyboard tile whose
// cue covers the time under the pointer (nginx/web/storyboard.js), and the
// sprite sheet the page loads is a signed /media/ URL.
const owner = tokenFor(freshId('storyboard-browser-owner'));
const CLIP = { seconds: 24, width: 640, height: 360, visibility: 'public' as const };

let work: string;
let browser: Browser | undefined;
let page: Page;
let traffic: Exchange[];
let pageLog: string[] = [];
let id: string;
let cues: StoryboardCue[];
let duration: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-storyboard-browser-'));
  id = await uploadReadyClip(owner, CLIP);
  // What the test expects comes from the API, not from the page.
  const pb = await playback(id, owner);
  duration = pb.durationSeconds;
  cues = parseStoryboard(await (await fetch(pb.storyboardUrl!)).text(), pb.storyboardUrl!);
  browser = await launchChromium();
  ({ page, traffic, pageLog } = await recordedPage(browser, { viewport: { width: 1100, height: 900 } }));
});

afterAll(async () => {
  await browser?.close();
  if (id) await api(`/v1/videos/${id}`, { method: 'DELETE', token: owner });
});

/** What the preview shows, as Chromium computed it. */
const previewStyle = (p: Page) => p.$eval('#storyboard-preview', (el) => {
  const style = getComputedStyle(el);
  return { hidden: (el as HTMLElement).hidden, width: style.width, height: style.height, position: style.backgroundPosition, image: style.backgroundImage, size: style.backgroundSize, time: el.textContent };
});

describe('the player page in Chromium', () => {
  it('shows, hovering the timeline at about 25 % and 75 %, the sprite tile whose cue covers that time', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      await page.screenshot({ path: join(work, 'failure.png') }).catch(() => {});
      await writeFile(join(work, 'traffic.json'), JSON.stringify({ traffic, pageLog }, null, 2));
      console.error(`[storyboard-browser] screenshot, traffic and page log in ${work}`);
    });
    await page.goto(`${ORIGIN}/?v=${id}`);
    await page.waitForSelector('#seek-strip[data-ready="true"]', { timeout: 20_000 });
    const strip = (await page.locator('#seek-strip').boundingBox())!;
    expect(strip.width).toBeGreaterThan(500);
    expect((await previewStyle(page)).hidden).toBe(true);

    const shown: number[] = [];
    for (const fraction of [0.26, 0.74]) {
      await page.mouse.move(strip.x + strip.width * fraction, strip.y + strip.height / 2);
      const style = await previewStyle(page);
      const cue = cueAt(cues, fraction * duration);
      expect(style).toMatchObject({
        hidden: false,
        width: `${cue.w}px`,
        height: `${cue.h}px`,
        position: `${-cue.x}px ${-cue.y}px`,
        image: `url("${cue.url}")`,
        size: 'auto',
      });
      shown.push(cue.start);
    }
    // Two different tiles, on different rows of the 10-column sheet.
    expect(shown).toEqual([6, 17]);
    await page.mouse.move(strip.x + strip.width / 2, strip.y + strip.height + 200);
    expect((await previewStyle(page)).hidden).toBe(true);

    // The sheet came from nginx's /media/, signed, and answered; unsigned it is refused.
    const sheets = traffic.filter((x) => x.path.endsWith('/storyboard-0.jpg'));
    expect(sheets.length).toBeGreaterThan(0);
    for (const sheet of sheets) {
      expect(sheet.path).toBe(`/media/videos/${id}/hls/storyboard-0.jpg`);
      expect([...new URL(sheet.url).searchParams.keys()].sort()).toEqual(['exp', 'kid', 'sig']);
      expect(sheet.status).toBe(200);
    }
    expect((await fetch(unsigned(sheets[0]!.url))).status).toBe(403);
    expect(pageLog.filter((line) => line.startsWith('pageerror'))).toEqual([]);
    await rm(work, { recursive: true, force: true });
  });
});
