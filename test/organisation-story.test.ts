import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestVideo } from '../services/transcoder/src/test-video.ts';
import { launchChromium } from './support/browser.ts';
import { startOidcOrigin, type OidcOrigin } from './support/oidc-origin.ts';
import type { TestIdentityProvider, TestUser } from './support/oidc-provider.ts';
import { eventually } from './support/poll.ts';
import { testConfig } from './support/test-stack.ts';
import { videoStore } from './support/videos.ts';

// Issue 11's story, end to end in Chromium, each person signing in at the
// identity provider: Alice uploads and shares with the group editors; Bob (an
// editor) finds it under "shared with me" and plays it; Carol (not an editor)
// is refused; Alice deletes it; Bob's player stops and his library no longer
// lists it. An origin of its own (nginx + auth with OIDC, demo login off) on
// the test stack's MinIO, database and transcoder.
const NAME = 'story';

let story: OidcOrigin | undefined;
let ORIGIN: string;
let idp: TestIdentityProvider;
let browser: Browser | undefined;
let work: string;
let clip: string;

interface Globals {
  vidgateUpload: { phase: string; status?: string; videoId?: string };
  vidgatePlayer: { errors: string[] };
  vidgateLibrary: { view: string; videos: { id: string }[]; loaded: number };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-story-'));
  clip = join(work, 'meeting.mp4');
  story = await startOidcOrigin(NAME, { origin: 18096, auth: 18097 });
  ORIGIN = story.url;
  idp = story.idp;
  [browser] = await Promise.all([launchChromium(), generateTestVideo({ output: clip, seconds: 8, width: 320, height: 180 })]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await story?.stop();
  await rm(work, { recursive: true, force: true });
});

/** A person in a browser of their own, signed in at the provider's form on the way to `path`. */
async function signedIn(user: TestUser, path: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext();
  const page = await context.newPage();
  await page.goto(`${ORIGIN}${path}`);
  await page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/interaction/`), { timeout: 20_000 });
  await page.fill('input[name="login"]', user);
  await page.fill('input[name="password"]', 'any password');
  await page.click('button[type="submit"]');
  await page.waitForFunction((name) => document.querySelector('#user')?.textContent === name, user, { timeout: 20_000, polling: 100 });
  return { context, page };
}
const globals = <K extends keyof Globals>(page: Page, key: K) => page.evaluate((k) => (window as unknown as Globals)[k], key);
async function libraryLoaded(page: Page, after: number) {
  await page.waitForFunction((n) => ((window as unknown as Globals).vidgateLibrary?.loaded ?? 0) > n, after, { timeout: 15_000 });
  return globals(page, 'vidgateLibrary');
}

describe("an organisation's video, from upload to deletion", () => {
  it('Alice uploads and shares with editors, Bob plays it, Carol is refused, Alice deletes it and Bob loses it', async () => {
    const alice = await signedIn('alice', '/upload.html');
    await alice.page.setInputFiles('#file', clip);
    await alice.page.getByLabel('Title').fill('Quarterly meeting');
    await alice.page.getByRole('button', { name: 'Upload' }).click();
    await alice.page.waitForFunction(() => ['ready', 'failed'].includes((window as unknown as Globals).vidgateUpload.status ?? ''), null, { timeout: 120_000, polling: 250 });
    const { status, videoId } = await globals(alice.page, 'vidgateUpload');
    expect(status).toBe('ready');
    const id = videoId!;
    expect((await videoStore.get(id))!.owner).toBe('alice');

    await alice.page.goto(`${ORIGIN}/library.html`);
    await libraryLoaded(alice.page, 0);
    const row = alice.page.locator(`li.video[data-id="${id}"]`);
    await row.locator('input[name=groups]').fill('editors');
    await row.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await videoStore.get(id))?.allowedGroups, { timeout: 10_000 }).toEqual(['editors']);

    // Bob, an editor: shared with him, listed, played from the library.
    const bob = await signedIn('bob', '/library.html');
    const bobSegments: string[] = [];
    bob.page.on('request', (req) => { if (req.url().includes('/media/') && req.url().includes('.ts?')) bobSegments.push(req.url()); });
    const before = (await libraryLoaded(bob.page, 0)).loaded;
    await bob.page.locator('#views button[data-view=shared]').click();
    expect((await libraryLoaded(bob.page, before)).videos.map((v) => v.id)).toContain(id);
    await bob.page.locator(`li.video[data-id="${id}"] a.play.title`).click();
    await bob.page.waitForURL(`${ORIGIN}/?v=${id}`);
    await bob.page.waitForFunction(() => document.querySelector('video')!.currentTime > 1, undefined, { timeout: 30_000, polling: 100 });

    // Carol is in no group it is shared with.
    const carol = await signedIn('carol', `/?v=${id}`);
    await carol.page.waitForFunction(() => (window as unknown as Globals).vidgatePlayer.errors.length > 0, undefined, { timeout: 15_000 });
    expect((await globals(carol.page, 'vidgatePlayer')).errors.join(' ')).toContain('not_entitled');

    // Alice deletes it while Bob watches. A short clip is all in his player's buffer
    // by now, so what stops is everything it would fetch next: the segments it was
    // given (within the edge cache bound) and the video itself when he plays again.
    alice.page.once('dialog', (dialog) => void dialog.accept());
    await row.locator('button.delete').click();
    await expect.poll(() => videoStore.get(id), { timeout: 10_000 }).toBeUndefined();
    const deletedAt = Date.now();
    const segment = bobSegments.find((url) => url.includes(`/videos/${id}/`))!;
    expect(segment).toBeDefined();
    await eventually('a segment Bob was given stops answering', async () => ((await fetch(segment)).status === 404 ? true : undefined), (testConfig.edgeCache.freshSeconds + 10) * 1000);
    const refusedAfter = (Date.now() - deletedAt) / 1000;
    await bob.page.reload();
    await bob.page.waitForFunction(() => (window as unknown as Globals).vidgatePlayer.errors.length > 0, undefined, { timeout: 15_000 });
    expect((await globals(bob.page, 'vidgatePlayer')).errors.join(' ')).toContain('video_not_found');
    await bob.page.goto(`${ORIGIN}/library.html`);
    const mine = (await libraryLoaded(bob.page, 0)).loaded;
    await bob.page.locator('#views button[data-view=shared]').click();
    expect((await libraryLoaded(bob.page, mine)).videos.map((v) => v.id)).not.toContain(id);
    console.log(`[figures] deleted while watched: the segments Bob was given answer 404 ${refusedAfter.toFixed(1)} s after the deletion (bound ${testConfig.edgeCache.freshSeconds} s); playing again: video_not_found`);
    for (const person of [alice, bob, carol]) await person.context.close();
  });
});
