import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordTraffic, type Exchange } from './support/browser.ts';
import { ORIGIN } from './support/test-stack.ts';
import { DEMO_ID } from './support/videos.ts';

// The demo page in a real Chromium: it signs in, asks for playback and plays the
// signed master playlist with hls.js (nginx/web/player.js). The page exposes
// window.vidgatePlayer and window.vidgateHls for this test.

/** What the page puts on window, as far as this test reads it. */
interface PageGlobals {
  vidgatePlayer: { level: number; levelName: string | null; errors: string[]; levelsPlayed: number[] };
  vidgateHls: {
    currentLevel: number;
    levels: { height: number }[];
    on(event: string, handler: (event: string, data: { level?: number; frag?: { level: number } }) => void): void;
  };
  Hls: { Events: Record<string, string> };
  afterSwitch: { fragLevels: number[]; switchedTo: number[] };
}

const PLAY_PAST_SECONDS = 5;
const ADVANCE_AFTER_SWITCH = 2;

let work: string;
let browser: Browser | undefined;
let page: Page;
let traffic: Exchange[];
const pageLog: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-browser-'));
  browser = await launchChromium();
  page = await browser.newPage();
  traffic = recordTraffic(page);
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (err) => pageLog.push(`pageerror: ${err.message}`));
});

afterAll(async () => {
  await browser?.close();
});

const videoTime = (p: Page) => p.evaluate(() => document.querySelector('video')!.currentTime);

describe('the demo page in Chromium', () => {
  it('plays the demo, switches rendition on request, and every byte comes from nginx', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      await page.screenshot({ path: join(work, 'failure.png') }).catch(() => {});
      const state = await page.evaluate(() => (window as unknown as PageGlobals).vidgatePlayer).catch(() => undefined);
      await writeFile(join(work, 'traffic.json'), JSON.stringify({ state, traffic, pageLog }, null, 2));
      console.error(`[playback-browser] screenshot, traffic and page log in ${work}`);
    });

    await page.goto(`${ORIGIN}/?v=${DEMO_ID}`);
    await page.waitForFunction((t) => document.querySelector('video')!.currentTime > t, PLAY_PAST_SECONDS, { timeout: 20_000, polling: 100 });

    // Listen from here on, so that only fragments played after the switch count.
    const { from, to, startedAt } = await page.evaluate(() => {
      const w = window as unknown as PageGlobals;
      const hls = w.vidgateHls;
      w.afterSwitch = { fragLevels: [], switchedTo: [] };
      hls.on(w.Hls.Events.FRAG_CHANGED!, (_e, data) => w.afterSwitch.fragLevels.push(data.frag!.level));
      hls.on(w.Hls.Events.LEVEL_SWITCHED!, (_e, data) => w.afterSwitch.switchedTo.push(data.level!));
      const current = hls.currentLevel;
      const top = hls.levels.length - 1;
      const target = current === top ? 0 : top;
      hls.currentLevel = target;
      return { from: current, to: target, startedAt: document.querySelector('video')!.currentTime };
    });
    expect(to).not.toBe(from);

    await page.waitForFunction(
      ({ level, until }) => {
        const w = window as unknown as PageGlobals;
        return w.afterSwitch.fragLevels.includes(level) && w.afterSwitch.switchedTo.includes(level) && document.querySelector('video')!.currentTime >= until;
      },
      { level: to, until: startedAt + ADVANCE_AFTER_SWITCH },
      { timeout: 15_000, polling: 100 },
    );
    expect(await videoTime(page)).toBeGreaterThanOrEqual(startedAt + ADVANCE_AFTER_SWITCH);

    const state = await page.evaluate(() => (window as unknown as PageGlobals).vidgatePlayer);
    expect(state.errors).toEqual([]);
    expect(state.level).toBe(to);
    expect(state.levelsPlayed).toContain(to);

    // The conversation: playlists from the auth service, media from nginx's /media/, all answered.
    const http = traffic.filter((x) => x.url.startsWith('http'));
    expect(http.filter((x) => new URL(x.url).origin !== ORIGIN).map((x) => x.url)).toEqual([]);
    const media = http.filter((x) => x.path.startsWith('/media/'));
    const playlists = http.filter((x) => x.path.startsWith('/v1/hls/'));
    expect(media.length).toBeGreaterThan(0);
    expect(playlists.length).toBeGreaterThan(0);
    // hls.js aborts a fragment load still in flight when the level changes: that
    // is the player's choice, not an answer from the server.
    const answered = [...media, ...playlists].filter((x) => x.status !== undefined || x.failure !== 'net::ERR_ABORTED');
    expect(answered.filter((x) => x.status !== 200 && x.status !== 206).map((x) => `${x.path}: ${x.status ?? x.failure}`)).toEqual([]);
    const segments = http.filter((x) => /\.(ts|m4s|mp4|aac)$/.test(x.path));
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.filter((x) => !x.path.startsWith(`/media/videos/${DEMO_ID}/hls/`)).map((x) => x.path)).toEqual([]);

    // Reached only when every assertion held; on failure the folder is kept for the screenshot.
    await rm(work, { recursive: true, force: true });
  });

  it('plays from a page on another origin, as a player embedded in another site does (CORS on every signed resource)', async () => {
    // The same server under the name "localhost": another origin to the browser, while
    // every URL the API returns names the public URL (127.0.0.1).
    const elsewhere = new URL(ORIGIN);
    elsewhere.hostname = 'localhost';
    const embedded = await browser!.newPage();
    const seen = recordTraffic(embedded);
    const log: string[] = [];
    embedded.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    try {
      await embedded.goto(`${elsewhere.origin}/?v=${DEMO_ID}`);
      await embedded.waitForFunction(() => document.querySelector('video')!.currentTime > 2, undefined, { timeout: 20_000, polling: 100 })
        .catch((err: Error) => { throw new Error(`${err.message}\npage log:\n${log.join('\n')}`); });
      expect(await embedded.evaluate(() => (window as unknown as PageGlobals).vidgatePlayer.errors)).toEqual([]);
      const crossOrigin = seen.filter((x) => x.url.startsWith(ORIGIN));
      expect(crossOrigin.some((x) => x.path.startsWith('/v1/hls/'))).toBe(true);
      expect(crossOrigin.some((x) => x.path.startsWith('/media/'))).toBe(true);
      expect(log.filter((l) => /CORS|Access-Control/i.test(l))).toEqual([]);
    } finally {
      await embedded.close();
    }
  });
});
