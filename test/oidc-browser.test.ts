import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordedPage, type Exchange } from './support/browser.ts';
import { startOidcOrigin, type OidcOrigin } from './support/oidc-origin.ts';
import type { TestIdentityProvider } from './support/oidc-provider.ts';
import { testConfig } from './support/test-stack.ts';
import { DEMO_ID } from './support/videos.ts';

// The pages signing in with an identity provider, in Chromium: an origin
// (nginx and an auth service of its own, beside the test stack, on its MinIO
// and database) configured for the test provider (oidc-provider), with the
// demo login off. The player sends the visitor to the provider's login form,
// gets the code back, exchanges it with PKCE and plays with the access token.
const ORIGIN_PORT = 18094;
const AUTH_PORT = 18095;
const ORIGIN = `http://${testConfig.bindHost}:${ORIGIN_PORT}`;
const NAME = 'oidc';

let oidcOrigin: OidcOrigin | undefined;
let idp: TestIdentityProvider;
let browser: Browser | undefined;
let page: Page;
let traffic: Exchange[];
let pageLog: string[] = [];
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-oidc-browser-'));
  oidcOrigin = await startOidcOrigin(NAME, { origin: ORIGIN_PORT, auth: AUTH_PORT });
  idp = oidcOrigin.idp;
  browser = await launchChromium();
  ({ page, traffic, pageLog } = await recordedPage(browser));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await oidcOrigin?.stop();
});

describe('the pages with an identity provider', () => {
  it('tell the pages the provider and client, and no demo login', async () => {
    const res = await fetch(`${ORIGIN}/v1/auth/config`);
    expect(await res.json()).toEqual({ oidc: { issuer: idp.issuer, clientId: 'vidgate-web', scope: 'openid profile' }, demoLogin: false });
    expect((await fetch(`${ORIGIN}/v1/demo/login`, { method: 'POST' })).status).toBe(404);
  });

  it('sign the visitor in through the provider\'s login form, come back to the video asked for, and play it with the provider\'s token', async ({ onTestFailed }) => {
    onTestFailed(async () => {
      await page.screenshot({ path: join(work, 'failure.png') }).catch(() => {});
      await writeFile(join(work, 'traffic.json'), JSON.stringify({ traffic, pageLog }, null, 2));
      console.error(`[oidc-browser] screenshot, traffic and page log in ${work}`);
    });
    const bearer: string[] = [];
    page.on('request', (req) => {
      const header = req.headers().authorization;
      if (header && new URL(req.url()).origin === ORIGIN) bearer.push(header.replace(/^Bearer /, ''));
    });

    await page.goto(`${ORIGIN}/?v=${DEMO_ID}`);
    await page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/interaction/`), { timeout: 20_000 });
    await page.fill('input[name="login"]', 'alice');
    await page.fill('input[name="password"]', 'any password');
    await page.click('button[type="submit"]');

    await page.waitForFunction(() => document.querySelector('video')!.currentTime > 1, undefined, { timeout: 30_000, polling: 100 });
    expect(page.url()).toBe(`${ORIGIN}/?v=${DEMO_ID}`);
    expect(await page.textContent('#user')).toBe('alice');
    expect(bearer.length).toBeGreaterThan(0);
    expect(new Set(bearer.map((t) => decodeProtectedHeader(t).alg))).toEqual(new Set(['RS256']));

    const http = traffic.filter((x) => x.url.startsWith('http'));
    const playback = http.filter((x) => x.path === `/v1/videos/${DEMO_ID}/playback`);
    expect(playback.map((x) => x.status)).toEqual([200]);
    // The code went to the provider's token endpoint from the page (PKCE, no secret), never to the origin.
    expect(http.filter((x) => x.url === `${idp.issuer}/token` && x.method === 'POST').map((x) => x.status)).toEqual([200]);
    expect(http.filter((x) => new URL(x.url).origin === ORIGIN && x.path.startsWith('/v1/demo/'))).toEqual([]);
  });

  it('stay signed in on the next page without asking the provider again', async () => {
    const before = traffic.length;
    await page.goto(`${ORIGIN}/upload.html`);
    await page.waitForFunction(() => document.querySelector('#user')!.textContent === 'alice', undefined, { timeout: 15_000, polling: 100 });
    expect(page.url()).toBe(`${ORIGIN}/upload.html`);
    const after = traffic.slice(before).filter((x) => x.url.startsWith('http'));
    expect(after.filter((x) => x.url.startsWith(idp.issuer) && x.path === '/auth')).toEqual([]);
    expect(after.filter((x) => x.path === '/v1/auth/config').map((x) => x.status)).toEqual([200]);
  });
});
