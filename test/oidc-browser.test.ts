import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, type ManagedProcess } from '../services/stack/src/managed-process.ts';
import { REPO_ROOT, stackPaths } from '../services/stack/src/paths.ts';
import { prepareWebRoot } from '../services/stack/src/web-root.ts';
import { launchChromium, recordTraffic, type Exchange } from './support/browser.ts';
import { startExtraNginx, type ExtraNginx } from './support/extra-nginx.ts';
import { startTestIdentityProvider, TEST_AUDIENCE, type TestIdentityProvider } from './support/oidc-provider.ts';
import { eventually } from './support/poll.ts';
import { TEST_ENV, testConfig } from './support/test-stack.ts';
import { DEMO_ID } from './support/videos.ts';

// The pages signing in with an identity provider, in Chromium: an origin
// (nginx and an auth service of its own, beside the test stack, on its MinIO
// and database) configured for the test provider (oidc-provider), with the
// demo login off. The player sends the visitor to the provider's login form,
// gets the code back, exchanges it with PKCE and plays with the access token.
const ORIGIN_PORT = '18094';
const AUTH_PORT = '18095';
const ORIGIN = `http://${testConfig.bindHost}:${ORIGIN_PORT}`;
const NAME = 'oidc';

let idp: TestIdentityProvider;
let auth: ManagedProcess | undefined;
let origin: ExtraNginx | undefined;
let browser: Browser | undefined;
let page: Page;
let traffic: Exchange[];
const pageLog: string[] = [];
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-oidc-browser-'));
  idp = await startTestIdentityProvider({ webRedirectUris: ['/', '/upload.html', '/library.html'].map((p) => ORIGIN + p) });
  const env = {
    ...TEST_ENV, VIDGATE_ORIGIN_PORT: ORIGIN_PORT, VIDGATE_AUTH_PORT: AUTH_PORT, VIDGATE_PUBLIC_URL: ORIGIN, VIDGATE_DEMO_LOGIN: 'false',
    VIDGATE_OIDC_ISSUER: idp.issuer, VIDGATE_OIDC_AUDIENCE: TEST_AUDIENCE, VIDGATE_OIDC_CLIENT_ID: 'vidgate-web', VIDGATE_OIDC_USER_CLAIM: 'preferred_username',
  };
  const paths = stackPaths(`${testConfig.dataDir}/${NAME}`);
  await mkdir(paths.logs, { recursive: true });
  await prepareWebRoot(paths.web);
  auth = startProcess({
    name: 'auth (oidc)', command: process.execPath, args: ['--import', 'tsx', resolve(REPO_ROOT, 'services/auth/src/server.ts')],
    env: { ...process.env, ...env }, cwd: REPO_ROOT, logFile: resolve(paths.logs, 'auth.log'),
  });
  await eventually('the OIDC origin\'s auth service', () => fetch(`http://${testConfig.bindHost}:${AUTH_PORT}/healthz`).then((r) => (r.ok ? true : undefined), () => undefined), 30_000);
  origin = await startExtraNginx(NAME, { VIDGATE_ORIGIN_PORT: ORIGIN_PORT, VIDGATE_AUTH_PORT: AUTH_PORT, VIDGATE_PUBLIC_URL: ORIGIN });
  browser = await launchChromium();
  page = await browser.newPage();
  traffic = recordTraffic(page);
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (err) => pageLog.push(`pageerror: ${err.message}`));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await origin?.nginx.stop();
  await auth?.stop();
  await idp?.stop();
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
