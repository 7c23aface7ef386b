import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, type ManagedProcess } from '../services/stack/src/managed-process.ts';
import { REPO_ROOT, stackPaths } from '../services/stack/src/paths.ts';
import { prepareWebRoot } from '../services/stack/src/web-root.ts';
import { generateTestVideo } from '../services/transcoder/src/test-video.ts';
import { launchChromium } from './support/browser.ts';
import { startExtraNginx, type ExtraNginx } from './support/extra-nginx.ts';
import { startTestIdentityProvider, TEST_AUDIENCE, type TestIdentityProvider, type TestUser } from './support/oidc-provider.ts';
import { eventually } from './support/poll.ts';
import { TEST_ENV, testConfig } from './support/test-stack.ts';
import { videoStore } from './support/videos.ts';

// Issue 11's story, end to end in Chromium, each person signing in at the
// identity provider: Alice uploads and shares with the group editors; Bob (an
// editor) finds it under "shared with me" and plays it; Carol (not an editor)
// is refused; Alice deletes it; Bob's player stops and his library no longer
// lists it. An origin of its own (nginx + auth with OIDC, demo login off) on
// the test stack's MinIO, database and transcoder.
const ORIGIN_PORT = '18096';
const AUTH_PORT = '18097';
const ORIGIN = `http://${testConfig.bindHost}:${ORIGIN_PORT}`;
const NAME = 'story';

let idp: TestIdentityProvider;
let auth: ManagedProcess | undefined;
let origin: ExtraNginx | undefined;
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
  idp = await startTestIdentityProvider({ webRedirectUris: ['/', '/upload.html', '/library.html'].map((p) => ORIGIN + p) });
  const env = {
    ...TEST_ENV, VIDGATE_ORIGIN_PORT: ORIGIN_PORT, VIDGATE_AUTH_PORT: AUTH_PORT, VIDGATE_PUBLIC_URL: ORIGIN, VIDGATE_DEMO_LOGIN: 'false',
    VIDGATE_OIDC_ISSUER: idp.issuer, VIDGATE_OIDC_AUDIENCE: TEST_AUDIENCE, VIDGATE_OIDC_CLIENT_ID: 'vidgate-web', VIDGATE_OIDC_USER_CLAIM: 'preferred_username',
  };
  const paths = stackPaths(`${testConfig.dataDir}/${NAME}`);
  await mkdir(paths.logs, { recursive: true });
  await prepareWebRoot(paths.web);
  auth = startProcess({
    name: 'auth (story)', command: process.execPath, args: ['--import', 'tsx', resolve(REPO_ROOT, 'services/auth/src/server.ts')],
    env: { ...process.env, ...env }, cwd: REPO_ROOT, logFile: resolve(paths.logs, 'auth.log'),
  });
  await eventually("the story origin's auth service", () => fetch(`http://${testConfig.bindHost}:${AUTH_PORT}/healthz`).then((r) => (r.ok ? true : undefined), () => undefined), 30_000);
  origin = await startExtraNginx(NAME, { VIDGATE_ORIGIN_PORT: ORIGIN_PORT, VIDGATE_AUTH_PORT: AUTH_PORT, VIDGATE_PUBLIC_URL: ORIGIN });
  [browser] = await Promise.all([launchChromium(), generateTestVideo({ output: clip, seconds: 8, width: 320, height: 180 })]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await origin?.nginx.stop();
  await auth?.stop();
  await idp?.stop();
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
    await row.locator('button[type=submit]').click();
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
