import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoKeys } from '@vidgate/common/video';
import { generateTestVideo } from '../services/transcoder/src/test-video.ts';
import { launchChromium, recordedPage, type Exchange } from './support/browser.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';
import { incompleteUploads } from './support/uploads.ts';

// The upload page resumes a multipart upload after a reload: parts 1 and 2
// reach MinIO, the others are held in the browser (route interception) while
// the page reloads; the same file chosen again sends only the missing parts,
// completes the one video record, and it plays. An interrupted upload can also
// be discarded, which cancels it on the server; a part storage refuses is shown
// in words and leaves the upload resumable; Cancel ends it on the server.

interface PageGlobals {
  vidgateUpload: {
    videoId: string | null; phase: string; uploadedBytes: number; totalBytes: number; status: string | null; errors: string[];
    resumable: { videoId: string; stored: number; partCount: number } | null;
  };
  vidgatePlayer: { errors: string[] };
  vidgate: { call(path: string, options?: RequestInit): Promise<any> };
}

const BUCKET = testConfig.minio.bucket;
const { partSize, multipartThreshold } = testConfig.uploads;
/** Just past the multipart threshold: five parts of 16 MiB with the default settings, the last a half part. */
const SIZE = multipartThreshold + partSize / 2;
const PART_COUNT = Math.ceil(SIZE / partSize);
/** Parts below this number land before the reload; the others are held until the page is gone. */
const HELD_FROM = 3;
const READY_WITHIN_MS = 120_000;

let work: string;
let clip: string;
let otherClip: string;
let browser: Browser | undefined;
let page: Page;
let traffic: Exchange[];
let pageLog: string[] = [];

/** A playable MP4 of exactly `size` bytes: a short clip and a top-level `free` box, which players and ffmpeg skip. */
async function paddedClip(path: string, size: number): Promise<void> {
  await generateTestVideo({ output: path, seconds: 4, width: 320, height: 180 });
  const padding = size - (await stat(path)).size;
  const header = Buffer.alloc(8);
  header.writeUInt32BE(padding, 0);
  header.write('free', 4, 'latin1');
  await appendFile(path, header);
  const MiB = 1024 * 1024;
  for (let left = padding - 8; left > 0; left -= MiB) await appendFile(path, Buffer.alloc(Math.min(MiB, left)));
}

const partNumber = (url: string) => Number(new URL(url).searchParams.get('partNumber'));
const isPartPut = (x: { method: string; url: string }) => x.method === 'PUT' && new URL(x.url).pathname.startsWith(`/${BUCKET}/uploads/`) && partNumber(x.url) > 0;
const uploadState = (p: Page) => p.evaluate(() => (window as unknown as PageGlobals).vidgateUpload);
const api = (p: Page, path: string) => p.evaluate((q) => (window as unknown as PageGlobals).vidgate.call(q), path);

/**
 * Holds every part PUT from `from` on in the browser, unanswered, until
 * release(); parts before it go through to MinIO.
 */
async function holdParts(p: Page, from: number) {
  const held: Route[] = [];
  let holding = true;
  await p.route((url) => url.pathname.startsWith(`/${BUCKET}/uploads/`), async (route) => {
    const req = route.request();
    if (holding && isPartPut({ method: req.method(), url: req.url() }) && partNumber(req.url()) >= from) held.push(route);
    else await route.continue();
  });
  return {
    held,
    async release() {
      holding = false;
      // The page that sent them is gone; the browser has dropped the requests already.
      await Promise.all(held.map((r) => r.abort().catch(() => {})));
      await p.unrouteAll({ behavior: 'ignoreErrors' });
    },
  };
}

async function startUpload(file: string, title: string) {
  await page.goto(`${ORIGIN}/upload.html`);
  await page.waitForFunction(() => (window as unknown as PageGlobals).vidgateUpload.phase === 'idle', null, { timeout: 15_000 });
  await page.setInputFiles('#file', file);
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Upload' }).click();
}

/** Reloads mid-upload (accepting the "leave the page?" question) and waits for the page to offer the upload again. */
async function reloadAndFindResumable() {
  await page.reload();
  await page.waitForFunction(() => (window as unknown as PageGlobals).vidgateUpload.phase === 'idle', null, { timeout: 15_000 });
  return (await uploadState(page)).resumable;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-resume-'));
  clip = join(work, 'resume.mp4');
  otherClip = join(work, 'other.mp4');
  const [launched] = await Promise.all([launchChromium(), paddedClip(clip, SIZE), writeFile(otherClip, randomBytes(1000))]);
  browser = launched;
  ({ page, traffic, pageLog } = await recordedPage(browser));
  page.on('dialog', (d) => { void (d.type() === 'beforeunload' ? d.accept() : d.dismiss()); });
});

afterAll(async () => {
  await browser?.close();
});

describe('the upload page after a reload mid-upload', () => {
  it('resumes with the same file: only the missing parts are sent, one video, ready and playable', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      await page.screenshot({ path: join(work, 'failure.png'), fullPage: true }).catch(() => {});
      const state = await uploadState(page).catch(() => undefined);
      await writeFile(join(work, 'traffic.json'), JSON.stringify({ state, traffic, pageLog }, null, 2));
      console.error(`[upload-resume] screenshot, traffic and page log in ${work}`);
    });
    expect(PART_COUNT).toBeGreaterThanOrEqual(HELD_FROM + 1);
    const title = `resume test ${randomBytes(4).toString('hex')}`;
    const gate = await holdParts(page, HELD_FROM);
    await startUpload(clip, title);

    // Parts 1 and 2 stored (as the server lists them), the rest waiting in the browser.
    await expect.poll(() => traffic.filter((x) => isPartPut(x) && x.status === 200).map((x) => partNumber(x.url)).sort(), { timeout: 60_000 }).toEqual([1, 2]);
    await expect.poll(() => gate.held.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const { videoId } = await uploadState(page);
    expect((await api(page, `/v1/uploads/${videoId}/parts/uploaded`)).parts.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2]);

    const mark = traffic.length;
    const resumable = await reloadAndFindResumable();
    await gate.release();
    expect(resumable).toMatchObject({ videoId, stored: 2, partCount: PART_COUNT });
    await expect(page.locator('#resume-text').textContent()).resolves.toContain(`2 of ${PART_COUNT} parts stored`);

    await page.setInputFiles('#file', clip);
    await page.getByRole('button', { name: 'Resume upload' }).click();
    await page.waitForFunction(
      () => ['ready', 'failed'].includes((window as unknown as PageGlobals).vidgateUpload.status ?? '') || (window as unknown as PageGlobals).vidgateUpload.phase === 'error',
      null,
      { timeout: READY_WITHIN_MS, polling: 250 },
    );
    expect(await uploadState(page)).toMatchObject({ videoId, phase: 'done', status: 'ready', uploadedBytes: SIZE, totalBytes: SIZE, errors: [], resumable: null });

    // After the reload: each missing part once, none of those stored before; no second upload created.
    const after = traffic.slice(mark).filter((x) => x.url.startsWith('http'));
    const parts = after.filter(isPartPut);
    expect(parts.map((x) => [partNumber(x.url), x.status]).sort((a, b) => a[0]! - b[0]!)).toEqual(
      Array.from({ length: PART_COUNT - HELD_FROM + 1 }, (_, i) => [HELD_FROM + i, 200]),
    );
    expect(traffic.filter((x) => x.method === 'POST' && x.path === '/v1/uploads')).toHaveLength(1);
    expect(after.filter((x) => x.path.startsWith('/v1/') && x.status !== 200 && x.status !== 201).map((x) => `${x.method} ${x.path}: ${x.status ?? x.failure}`)).toEqual([]);

    // One record with this title in the uploader's own list, and the page forgot the upload.
    const mine = [];
    for (let cursor: string | undefined, pages = 0; pages < 50; pages++) {
      const listed = await api(page, `/v1/videos?view=mine&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      mine.push(...listed.videos.filter((v: { title: string }) => v.title === title));
      cursor = listed.nextCursor;
      if (!cursor) break;
    }
    expect(mine.map((v) => [v.id, v.status])).toEqual([[videoId, 'ready']]);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('vidgate.upload.')))).toEqual([]);

    await page.getByRole('link', { name: 'Play', exact: true }).click();
    await page.waitForURL(`${ORIGIN}/?v=${videoId}`);
    await page.waitForFunction(() => document.querySelector('video')!.currentTime > 2, null, { timeout: 20_000, polling: 100 });
    expect(await page.evaluate(() => (window as unknown as PageGlobals).vidgatePlayer.errors)).toEqual([]);
  });

  it('refuses another file for the interrupted upload, and discards it: cancelled on the server, forgotten by the page', async () => {
    const gate = await holdParts(page, 1);
    await startUpload(clip, 'discarded upload');
    await expect.poll(() => gate.held.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const { videoId } = await uploadState(page);

    const resumable = await reloadAndFindResumable();
    await gate.release();
    expect(resumable).toMatchObject({ videoId, stored: 0 });
    expect(await page.locator('#resume').isVisible()).toBe(true);

    await page.setInputFiles('#file', otherClip);
    await page.getByRole('button', { name: 'Resume upload' }).click();
    await page.waitForFunction(() => (window as unknown as PageGlobals).vidgateUpload.phase === 'error', null, { timeout: 10_000 });
    expect((await uploadState(page)).errors).toEqual([expect.stringContaining('other.mp4 is not the file of the interrupted upload (resume.mp4')]);

    await page.getByRole('button', { name: 'Discard it' }).click();
    await page.waitForFunction(() => (window as unknown as PageGlobals).vidgateUpload.resumable === null, null, { timeout: 10_000 });
    expect(await page.locator('#resume').isVisible()).toBe(false);
    expect(await api(page, `/v1/videos/${videoId}`)).toMatchObject({ status: 'failed' });
    expect(await incompleteUploads(videoKeys.source(videoId!))).toEqual([]);
  });

  it('says in words why storage refused a part, and keeps the upload to resume', async () => {
    // Part 2 goes out with a broken signature, so the real MinIO behind nginx refuses it.
    await page.route((url) => url.pathname.startsWith(`/${BUCKET}/uploads/`), async (route) => {
      const req = route.request();
      if (!isPartPut({ method: req.method(), url: req.url() }) || partNumber(req.url()) !== 2) return route.continue();
      await route.continue({ url: req.url().replace(/(X-Amz-Signature=)(.)/, (_, p: string, c: string) => p + (c === 'a' ? 'b' : 'a')) });
    });
    await startUpload(clip, 'refused part');
    await page.waitForFunction(() => (window as unknown as PageGlobals).vidgateUpload.phase === 'error', null, { timeout: 30_000 });
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    const state = await uploadState(page);
    expect(state.errors).toEqual([expect.stringMatching(/^storage refused the upload: upload_refused: \S/)]);
    expect(await page.locator('#errors').textContent()).toContain('upload_refused');
    // Not cancelled: the same video waits to be resumed, and the page offers it.
    expect(state.resumable).toMatchObject({ videoId: state.videoId });
    expect(await page.locator('#resume').isVisible()).toBe(true);
    expect(await api(page, `/v1/videos/${state.videoId}`)).toMatchObject({ status: 'uploading' });
    await page.getByRole('button', { name: 'Discard it' }).click();
    await page.waitForFunction(() => (window as unknown as PageGlobals).vidgateUpload.resumable === null, null, { timeout: 10_000 });
  });

  it('cancels an upload in progress: one DELETE, the multipart upload aborted, nothing left to resume', async () => {
    const gate = await holdParts(page, 2);
    await startUpload(clip, 'cancelled upload');
    await expect.poll(() => gate.held.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const { videoId } = await uploadState(page);
    const mark = traffic.length;
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForFunction(() => (window as unknown as PageGlobals).vidgateUpload.phase === 'cancelled', null, { timeout: 10_000 });
    await gate.release();
    expect(await uploadState(page)).toMatchObject({ status: 'failed', errors: [], resumable: null });
    expect(traffic.slice(mark).filter((x) => x.method === 'DELETE').map((x) => [x.path, x.status])).toEqual([[`/v1/uploads/${videoId}`, 204]]);
    expect(await api(page, `/v1/videos/${videoId}`)).toMatchObject({ status: 'failed' });
    expect(await incompleteUploads(videoKeys.source(videoId!))).toEqual([]);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('vidgate.upload.')))).toEqual([]);

    // Reached only when every assertion held; on failure the folder is kept.
    await rm(work, { recursive: true, force: true });
  });
});
