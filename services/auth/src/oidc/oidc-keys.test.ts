import { setTimeout as wait } from 'node:timers/promises';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSigningKeys, startTestIdentityProvider, TEST_AUDIENCE, whoAmIServer, type TestIdentityProvider } from '../../../../test/support/oidc-provider.ts';
import { loadAuthConfig } from '../auth-config.ts';
import { createTokenVerifier } from '../token-verifier.ts';

// How the service gets the provider's keys (discovery document, then JWKS):
// lazily, once, shared by every request; again on an unknown kid, once for any
// number of requests and not within the cooldown; and what the caller sees
// while the provider is unreachable (503, never 401). Counts are what the
// provider was actually asked, seen by the proxy in front of it.
const COOLDOWN_MS = 400;
const ENV = { VIDGATE_JWT_SECRET: 'oidc-keys-test-jwt-secret-0123456789abcdefg', VIDGATE_OIDC_AUDIENCE: TEST_AUDIENCE };

let idp: TestIdentityProvider;
let impostor: TestIdentityProvider;
let forger: TestIdentityProvider;
let firstKids: string[];
const servers: { close(): Promise<void> }[] = [];

/** A route guarded by a verifier of its own (so its own key cache) for the test provider. */
async function freshServer(issuer = idp.issuer, cooldownMs = COOLDOWN_MS) {
  const server = await whoAmIServer(createTokenVerifier(loadAuthConfig({ ...ENV, VIDGATE_OIDC_ISSUER: issuer }).jwt, { cooldownMs }));
  servers.push(server);
  return server;
}
const counts = () => ({ ...idp.fetches });
const statuses = (answers: { status: number }[]) => [...new Set(answers.map((a) => a.status))];

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  firstKids = idp.keys.map((k) => k.kid!);
  // Providers writing idp's issuer in their tokens: one with keys of its own, one whose keys reuse idp's kids.
  impostor = await startTestIdentityProvider({ issuer: idp.issuer });
  forger = await startTestIdentityProvider({ issuer: idp.issuer, keys: (await newSigningKeys()).map((key, i) => ({ ...key, kid: firstKids[i] })) });
}, 60_000);
afterAll(async () => {
  await Promise.all([...servers.map((s) => s.close()), idp?.stop(), impostor?.stop(), forger?.stop()]);
});

describe('the provider\'s keys', () => {
  it('are fetched on first use: one discovery and one JWKS fetch for 20 requests at once, none for the next 20', async () => {
    const server = await freshServer();
    const token = await idp.accessToken('alice');
    const before = counts();
    expect(statuses(await Promise.all(Array.from({ length: 20 }, () => server.ask(token))))).toEqual([200]);
    expect(counts()).toEqual({ discovery: before.discovery + 1, jwks: before.jwks + 1 });
    expect(statuses(await Promise.all(Array.from({ length: 20 }, () => server.ask(token))))).toEqual([200]);
    expect(counts()).toEqual({ discovery: before.discovery + 1, jwks: before.jwks + 1 });
  });

  it('follow a rotation with exactly one more JWKS fetch; 50 requests at once with the next new kid cause one', async () => {
    const server = await freshServer();
    const old = await idp.accessToken('alice');
    expect((await server.ask(old)).status).toBe(200);
    await wait(COOLDOWN_MS + 100);

    await idp.rotateKeys();
    const rotated = await idp.accessToken('bob', { kind: 'ES256' });
    expect(decodeProtectedHeader(rotated).kid).not.toBe(decodeProtectedHeader(old).kid);
    const before = counts();
    expect((await server.ask(rotated)).body).toMatchObject({ name: 'Bob Builder', groups: ['editors'] });
    expect(counts()).toEqual({ discovery: before.discovery, jwks: before.jwks + 1 });
    // The old key is still published, and known: no fetch.
    expect((await server.ask(old)).status).toBe(200);
    expect(counts().jwks).toBe(before.jwks + 1);

    await wait(COOLDOWN_MS + 100);
    await idp.rotateKeys();
    const next = await idp.accessToken('carol');
    const burst = await Promise.all(Array.from({ length: 50 }, () => server.ask(next)));
    expect(statuses(burst)).toEqual([200]);
    expect(counts().jwks).toBe(before.jwks + 2);
  }, 30_000);

  it('refuse an unknown kid after one fetch; 50 requests at once with one cause one fetch, and none within the cooldown', async () => {
    // A cooldown longer than a burst of 50 takes on a busy machine.
    const cooldownMs = 3_000;
    const server = await freshServer(idp.issuer, cooldownMs);
    expect((await server.ask(await idp.accessToken('alice'))).status).toBe(200);
    const unknown = await impostor.accessToken('ops');
    await wait(cooldownMs + 100);
    const before = counts();
    const burst = await Promise.all(Array.from({ length: 50 }, () => server.ask(unknown)));
    expect(statuses(burst)).toEqual([401]);
    expect(burst[0]!.body.message).toMatch(/no applicable key/);
    expect(counts()).toEqual({ discovery: before.discovery, jwks: before.jwks + 1 });
    await Promise.all(Array.from({ length: 50 }, () => server.ask(unknown)));
    expect(counts().jwks).toBe(before.jwks + 1);
  }, 30_000);

  it('refuse a token naming our issuer and a known kid, signed with another key', async () => {
    const server = await freshServer();
    const forged = await forger.accessToken('ops');
    expect(firstKids).toContain(decodeProtectedHeader(forged).kid);
    const answer = await server.ask(forged);
    expect(answer).toMatchObject({ status: 401, body: { error: 'token_invalid' } });
    expect(answer.body.message).toMatch(/signature/);
  });
});

describe('while the provider cannot be reached', () => {
  it('answers 503 unavailable with Retry-After, never 401, and recovers once it is back', async () => {
    const server = await freshServer();
    const token = await idp.accessToken('alice');
    idp.setDown(true);
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, () => server.ask(token)));
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(answer.body).toEqual({ error: 'unavailable', message: 'the service could not complete the request' });
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      }
    } finally {
      idp.setDown(false);
    }
    await wait(COOLDOWN_MS + 100);
    expect((await server.ask(token)).status).toBe(200);
  });

  it('keeps accepting tokens of keys it knows; a new kid is 503, since only the provider could tell', async () => {
    const server = await freshServer();
    const token = await idp.accessToken('ops', { kind: 'ES256' });
    expect((await server.ask(token)).status).toBe(200);
    const unknown = await impostor.accessToken('ops');
    await wait(COOLDOWN_MS + 100);
    idp.setDown(true);
    try {
      expect((await server.ask(token)).body).toMatchObject({ sub: expect.any(String), role: 'admin' });
      expect(await server.ask(unknown)).toMatchObject({ status: 503, body: { error: 'unavailable' } });
      expect((await server.ask(token)).status).toBe(200);
    } finally {
      idp.setDown(false);
    }
  });

  it('answers 503 when the discovery document names another issuer (a trailing slash too many)', async () => {
    const server = await freshServer(`${idp.issuer}/`);
    const answer = await server.ask(await idp.accessToken('alice'));
    expect(answer).toMatchObject({ status: 503, body: { error: 'unavailable' } });
  });
});
