import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { ORIGIN } from './support/test-stack.ts';
import { freshId, hlsObjects, publishDemoCopy, videoStore } from './support/videos.ts';

// The library page (nginx/web/library.html) in a real Chromium, as its user
// meets it: their videos with signed posters, rename and share, delete with a
// confirmation, what others shared with them, and a click that plays.
interface LibraryState { view: string; videos: { id: string }[]; errors: string[]; loaded: number }

let browser: Browser | undefined;
let page: Page;
const pageLog: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (err) => pageLog.push(`pageerror: ${err.message}`));
});
afterAll(async () => {
  await browser?.close();
});

const libraryState = () => page.evaluate(() => (window as unknown as { vidgateLibrary: LibraryState }).vidgateLibrary);
async function loaded(after: number): Promise<LibraryState> {
  await page.waitForFunction((n) => (window as unknown as { vidgateLibrary?: LibraryState }).vidgateLibrary!.loaded > n, after, { timeout: 15_000 });
  return libraryState();
}
const row = (id: string) => page.locator(`li.video[data-id="${id}"]`);

describe('the library page in Chromium', () => {
  it("lists the user's videos with posters, renames and shares one, deletes one after a confirmation, and plays on a click", async () => {
    await page.goto(`${ORIGIN}/library.html`);
    await loaded(0);
    // The demo sign-in made this browser a user of its own: give it two videos, and one shared with it.
    const me = (await page.locator('#user').textContent())!;
    const kept = freshId('lib-kept');
    const doomed = freshId('lib-doomed');
    const sharedToMe = freshId('lib-shared');
    await publishDemoCopy(kept, { owner: me, title: 'Kept', visibility: 'private' });
    await publishDemoCopy(doomed, { owner: me, title: 'Doomed', visibility: 'private' });
    await publishDemoCopy(sharedToMe, { owner: freshId('someone'), title: 'From a colleague', visibility: 'private', allowedUsers: [me] });

    await page.reload();
    const mine = await loaded(0);
    expect(mine.videos.map((v) => v.id).sort()).toEqual([doomed, kept].sort());
    // Posters are signed media URLs that the browser loaded from nginx.
    await page.waitForFunction((id) => {
      const img = document.querySelector<HTMLImageElement>(`li.video[data-id="${id}"] img.poster`);
      return img !== null && img.complete && img.naturalWidth > 0;
    }, kept, { timeout: 15_000 });

    await row(kept).locator('input[name=title]').fill('Kept and renamed');
    await row(kept).locator('input[name=groups]').fill('editors, editors');
    await row(kept).getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await videoStore.get(kept))?.title, { timeout: 10_000 }).toBe('Kept and renamed');
    expect((await videoStore.get(kept))!.allowedGroups).toEqual(['editors']);

    // Dismissed, then accepted: only the accepted confirmation deletes.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await row(doomed).locator('button.delete').click();
    expect(await videoStore.get(doomed)).toBeDefined();
    page.once('dialog', (dialog) => void dialog.accept());
    await row(doomed).locator('button.delete').click();
    await expect.poll(() => videoStore.get(doomed), { timeout: 10_000 }).toBeUndefined();
    // The record goes before the DELETE answers (its objects are removed again after it): the row goes when the answer comes.
    await expect.poll(() => row(doomed).count(), { timeout: 10_000 }).toBe(0);
    expect(await hlsObjects(doomed)).toEqual([]);

    const before = (await libraryState()).loaded;
    await page.locator('#views button[data-view=shared]').click();
    const shared = await loaded(before);
    expect(shared.videos.map((v) => v.id)).toEqual([sharedToMe]);
    expect(await row(sharedToMe).locator('form.manage').count()).toBe(0); // watch only

    await row(sharedToMe).locator('a.play.title').click();
    await page.waitForURL(`${ORIGIN}/?v=${sharedToMe}`);
    await page.waitForFunction(() => document.querySelector('video')!.currentTime > 1, undefined, { timeout: 20_000, polling: 100 });
    expect(pageLog).toEqual([]);
  });
});
