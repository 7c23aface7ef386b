import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { errorHandler } from '../../services/common/src/http-errors.ts';
import { authenticate } from '../../services/auth/src/http/authenticate.ts';
import type { TokenVerifier } from '../../services/auth/src/token-verifier.ts';

const PROVIDER_SCRIPT = fileURLToPath(new URL('./oidc/provider.mjs', import.meta.url));
const TESTS_CLIENT = { id: 'vidgate-tests', secret: 'vidgate-tests-secret', redirectUri: 'http://127.0.0.1/vidgate-tests/callback' };
/** Resource indicators the test provider knows (test/support/oidc/provider.mjs). */
const RESOURCES = { RS256: 'urn:vidgate:api', ES256: 'urn:vidgate:api:es256', other: 'urn:vidgate:other-api' } as const;

export type TestUser = 'alice' | 'bob' | 'carol' | 'ops' | 'pat';
export const TEST_AUDIENCE = 'vidgate-api';

export interface TokenOptions {
  /** RS256 (default) or ES256 for Vidgate's audience, or a token for another API's audience. */
  kind?: keyof typeof RESOURCES;
}

export interface TestIdentityProvider {
  /** The issuer as tokens name it: the proxy's address unless told otherwise. */
  readonly issuer: string;
  /** Where it answers: a proxy in this process, in front of the provider process. */
  readonly address: string;
  /** The private signing keys (one RS256, one ES256 unless given), newest first. */
  readonly keys: readonly JWK[];
  /** Requests the proxy saw for the discovery document and for the JWKS. */
  readonly fetches: { discovery: number; jwks: number };
  /** An access token for a test user, from a sign-in through the provider's own login form, without a browser. */
  accessToken(user: TestUser, options?: TokenOptions): Promise<string>;
  /** Restarts the provider with new keys (new kids) that sign from now on; the old ones stay published unless dropped. */
  rotateKeys(options?: { dropOld?: boolean }): Promise<void>;
  /** While down, the proxy drops every connection, as a provider that is not there. */
  setDown(down: boolean): void;
  stop(): Promise<void>;
}

async function signingKey(alg: 'RS256' | 'ES256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}` };
}
export const newSigningKeys = async (): Promise<JWK[]> => [await signingKey('RS256'), await signingKey('ES256')];

/** Starts the provider script and resolves with its port once it says it listens. */
function startProvider(settings: object): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [PROVIDER_SCRIPT], { env: { ...process.env, VIDGATE_TEST_OIDC: JSON.stringify(settings), DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`oidc-provider did not start within 15 s: ${stderr}`)); }, 15_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const match = /listening (\d+)/.exec(chunk);
      if (match) { clearTimeout(timer); resolve({ child, port: Number(match[1]) }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`oidc-provider exited with ${code}: ${stderr}`)); });
  });
}

function stopProvider(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * A real OpenID provider (oidc-provider, as its own process) behind a small
 * proxy this module controls: the issuer is the proxy's address, so the
 * provider can be restarted with new keys (rotation) or made unreachable
 * without the issuer changing, and every discovery and JWKS request is counted.
 * `issuer` makes an impostor: a provider writing another's issuer in its
 * tokens. `webRedirectUris` registers the pages' public client (vidgate-web).
 */
export async function startTestIdentityProvider(options: { keys?: JWK[]; issuer?: string; audience?: string; webRedirectUris?: string[] } = {}): Promise<TestIdentityProvider> {
  let keys = options.keys ?? await newSigningKeys();
  let upstream = 0;
  let down = false;
  const fetches = { discovery: 0, jwks: 0 };
  const proxy: Server = createServer((req, res) => {
    if (down) return void req.socket.destroy();
    if (req.url === '/.well-known/openid-configuration') fetches.discovery++;
    if (req.url === '/jwks') fetches.jwks++;
    const forward = httpRequest({ host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const issuer = options.issuer ?? address;
  const settings = () => ({ issuer, audience: options.audience ?? TEST_AUDIENCE, keys, webRedirectUris: options.webRedirectUris ?? [], testsRedirectUri: TESTS_CLIENT.redirectUri });
  let provider = await startProvider(settings());
  upstream = provider.port;

  return {
    issuer,
    address,
    get keys() { return keys; },
    fetches,
    accessToken: (user, tokenOptions = {}) => signIn(address, user, RESOURCES[tokenOptions.kind ?? 'RS256']),
    async rotateKeys({ dropOld = false } = {}) {
      keys = [...await newSigningKeys(), ...(dropOld ? [] : keys)];
      await stopProvider(provider.child);
      provider = await startProvider(settings());
      upstream = provider.port;
    },
    setDown(value) { down = value; },
    async stop() {
      await stopProvider(provider.child);
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

/**
 * The authorization code flow with PKCE as a browser would run it, with plain
 * HTTP: the authorization request, the provider's login form (posted with the
 * user's login; the form takes any password), the redirect with the code, and
 * the code exchanged at the token endpoint by the confidential test client.
 */
async function signIn(address: string, user: TestUser, resource: string): Promise<string> {
  const cookies = new Map<string, string>();
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${address}/auth`);
  authorize.search = new URLSearchParams({
    client_id: TESTS_CLIENT.id, response_type: 'code', redirect_uri: TESTS_CLIENT.redirectUri, scope: 'openid profile groups api', resource,
    state: randomBytes(8).toString('hex'), code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  }).toString();
  let url = authorize.href;
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 10; step++) {
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET', body, redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    body = undefined;
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.href.startsWith(TESTS_CLIENT.redirectUri)) return exchange(address, next, verifier, resource);
      url = next.href;
    } else if (res.status === 200 && new URL(url).pathname.startsWith('/interaction/')) {
      await res.text();
      body = new URLSearchParams({ prompt: 'login', login: user, password: 'any' });
    } else {
      throw new Error(`sign-in of ${user} stopped at ${new URL(url).pathname} with ${res.status}: ${(await res.text()).slice(0, 300)}`);
    }
  }
  throw new Error(`sign-in of ${user} did not finish`);
}

async function exchange(address: string, callback: URL, verifier: string, resource: string): Promise<string> {
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`the provider refused the sign-in: ${callback.searchParams.get('error')}: ${callback.searchParams.get('error_description')}`);
  const res = await fetch(`${address}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${TESTS_CLIENT.id}:${TESTS_CLIENT.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: TESTS_CLIENT.redirectUri, code_verifier: verifier, resource }),
  });
  const answer = await res.json() as { access_token?: string; error?: string; error_description?: string };
  if (!answer.access_token) throw new Error(`the token endpoint answered ${res.status}: ${answer.error}: ${answer.error_description}`);
  return answer.access_token;
}

export interface WhoAmI {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
}

/**
 * A route guarded as the service's routes are (authenticate() and the
 * service's error handler), on a real port, answering with the principal:
 * what a token signs in as, or the error body that refused it.
 */
export async function whoAmIServer(tokens: TokenVerifier): Promise<{ ask(token: string): Promise<WhoAmI>; close(): Promise<void> }> {
  const app = express().get('/whoami', authenticate(tokens), (req, res) => void res.json(req.principal)).use(errorHandler());
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/whoami`;
  return {
    async ask(token) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: await res.json() as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
