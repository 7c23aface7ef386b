import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestVideo } from '../services/transcoder/src/test-video.ts';
import { launchChromium, recordTraffic, type Exchange } from './support/browser.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';

// The upload page in a real Chromium, as a user would use it: choose a file,
// upload it through nginx straight into MinIO, wait for the transcode, press
// Play. nginx/web/upload.js (Uppy with our presign endpoints) exposes
// window.vidgateUpload for this test; test/upload-resume-browser.test.ts covers
// a multipart upload resumed after a reload.

/** What the pages put on window, as far as this test reads it. */
interface PageGlobals {
  vidgateUpload: { videoId: string | null; phase: string; uploadedBytes: number; totalBytes: number; status: string | null; errors: string[] };
  vidgatePlayer: { errors: string[] };
}

const READY_WITHIN_MS = 90_000;
const PLAY_PAST_SECONDS = 2;
/** JSON calls only: the file itself must never go through the auth service. */
const MAX_API_BODY = 64 * 1024;
const BUCKET = testConfig.minio.bucket;

let work: string;
let clip: string;
let browser: Browser | undefined;
let page: Page;
let traffic: Exchange[];
const apiBodies: { method: string; path: string; bytes: number }[] = [];
const pageLog: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-upload-'));
  clip = join(work, 'upload-browser.mp4');
  const [launched] = await Promise.all([launchChromium(), generateTestVideo({ output: clip, seconds: 4, width: 320, height: 180 })]);
  browser = launched;
  page = await browser.newPage();
  traffic = recordTraffic(page);
  page.on('request', (req) => {
    const path = new URL(req.url()).pathname;
    if (path.startsWith('/v1/')) apiBodies.push({ method: req.method(), path, bytes: req.postDataBuffer()?.length ?? 0 });
  });
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (err) => pageLog.push(`pageerror: ${err.message}`));
});

afterAll(async () => {
  await browser?.close();
});

const uploadState = (p: Page) => p.evaluate(() => (window as unknown as PageGlobals).vidgateUpload);

describe('the upload page in Chromium', () => {
  it('uploads a file straight to the origin, follows the transcode and plays the result', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      await page.screenshot({ path: join(work, 'failure.png'), fullPage: true }).catch(() => {});
      const state = await uploadState(page).catch(() => undefined);
      await writeFile(join(work, 'traffic.json'), JSON.stringify({ state, traffic, apiBodies, pageLog }, null, 2));
      console.error(`[upload-browser] screenshot, traffic and page log in ${work}`);
    });
    const size = (await stat(clip)).size;

    await page.goto(`${ORIGIN}/upload.html`);
    await page.waitForFunction(() => (window as unknown as PageGlobals).vidgateUpload.phase === 'idle', null, { timeout: 10_000 });
    await page.setInputFiles('#file', clip);
    await page.getByLabel('Title').fill('upload-browser test');
    await page.getByRole('button', { name: 'Upload' }).click();

    await page.waitForFunction(
      () => ['ready', 'failed'].includes((window as unknown as PageGlobals).vidgateUpload.status ?? '') || (window as unknown as PageGlobals).vidgateUpload.phase === 'error',
      null,
      { timeout: READY_WITHIN_MS, polling: 200 },
    );
    const state = await uploadState(page);
    expect(state).toMatchObject({ phase: 'done', status: 'ready', uploadedBytes: size, totalBytes: size, errors: [] });
    expect(await page.locator('#upload-progress').evaluate((el: HTMLProgressElement) => el.value)).toBe(1);
    expect(await page.locator('#transcode-progress').evaluate((el: HTMLProgressElement) => el.value)).toBe(1);
    const videoId = state.videoId!;

    // The video is private to its uploader; the player page signs in as the same demo user.
    await page.getByRole('link', { name: 'Play', exact: true }).click();
    await page.waitForURL(`${ORIGIN}/?v=${videoId}`);
    await page.waitForFunction((t) => document.querySelector('video')!.currentTime > t, PLAY_PAST_SECONDS, { timeout: 20_000, polling: 100 });
    expect(await page.evaluate(() => (window as unknown as PageGlobals).vidgatePlayer.errors)).toEqual([]);

    // The bytes went to the origin's presigned upload location, in one PUT, and MinIO took them.
    const http = traffic.filter((x) => x.url.startsWith('http'));
    expect(http.filter((x) => new URL(x.url).origin !== ORIGIN).map((x) => x.url)).toEqual([]);
    // Uppy, bundled from npm, served by the origin like every other script.
    expect(http.filter((x) => x.path === '/vendor/uppy.min.js').map((x) => x.status)).toEqual([200]);
    const puts = http.filter((x) => x.method === 'PUT');
    expect(puts.map((x) => ({ path: x.path, status: x.status }))).toEqual([{ path: `/${BUCKET}/uploads/${videoId}/source`, status: 200 }]);
    expect(http.filter((x) => x.path.startsWith('/v1/') && x.status !== 200 && x.status !== 201).map((x) => `${x.method} ${x.path}: ${x.status ?? x.failure}`)).toEqual([]);

    // Only small JSON bodies went to the API.
    expect(apiBodies.some((x) => x.method === 'POST' && x.path === '/v1/uploads')).toBe(true);
    expect(apiBodies.filter((x) => x.bytes > MAX_API_BODY)).toEqual([]);

    // Reached only when every assertion held; on failure the folder is kept for the screenshot.
    await rm(work, { recursive: true, force: true });
  });
});
