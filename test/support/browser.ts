import { chromium, type Browser, type Page, type Request, type Response } from 'playwright-core';

/**
 * Debian's chromium (installed by bootstrap.sh --test); never a downloaded browser.
 * Without the background-networking flags it keeps calling hosts this network refuses.
 */
export const CHROMIUM = process.env.VIDGATE_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
}

export interface Exchange {
  url: string;
  path: string;
  method: string;
  resourceType: string;
  status?: number;
  failure?: string;
}

/**
 * Records every request the page makes with the response it got (or why it
 * got none), so a test can assert on the whole conversation afterwards.
 */
export function recordTraffic(page: Page): Exchange[] {
  const log: Exchange[] = [];
  const byRequest = new Map<Request, Exchange>();
  page.on('request', (req) => {
    const url = new URL(req.url());
    const entry: Exchange = { url: req.url(), path: url.pathname, method: req.method(), resourceType: req.resourceType() };
    byRequest.set(req, entry);
    log.push(entry);
  });
  page.on('response', (res: Response) => {
    const entry = byRequest.get(res.request());
    if (entry) entry.status = res.status();
  });
  page.on('requestfailed', (req) => {
    const entry = byRequest.get(req);
    if (entry) entry.failure = req.failure()?.errorText ?? 'failed';
  });
  return log;
}

/** A new page whose traffic and console (uncaught errors too) are recorded, for a test to keep when it fails. */
export async function recordedPage(browser: Browser, options: Parameters<Browser['newPage']>[0] = {}): Promise<{ page: Page; traffic: Exchange[]; pageLog: string[] }> {
  const page = await browser.newPage(options);
  const pageLog: string[] = [];
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (err) => pageLog.push(`pageerror: ${err.message}`));
  return { page, traffic: recordTraffic(page), pageLog };
}
