import { createHmac, createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdentityProvider, TEST_AUDIENCE, whoAmIServer, type TestIdentityProvider, type WhoAmI } from '../../../../test/support/oidc-provider.ts';
import { loadAuthConfig } from '../auth-config.ts';
import { issueToken } from '../jwt.ts';
import { createTokenVerifier } from '../token-verifier.ts';

// Access tokens from a real, certified OpenID provider (oidc-provider, its own
// process), as the service's routes see them: which are accepted as whom, and
// which are refused (401 token_invalid), each for one reason.
const ENV = { VIDGATE_JWT_SECRET: 'oidc-test-jwt-secret-0123456789abcdefghijkl', VIDGATE_LOG_LEVEL: 'silent' };
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hmac = (input: string, key: string | Buffer) => createHmac('sha256', key).update(input).digest('base64url');

let idp: TestIdentityProvider;
let stranger: TestIdentityProvider;
let clock: Date | undefined;
let server: Awaited<ReturnType<typeof whoAmIServer>>;
let bySub: Awaited<ReturnType<typeof whoAmIServer>>;
let config: ReturnType<typeof loadAuthConfig>;

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  // Another provider holding the same keys: its tokens differ only in "iss".
  stranger = await startTestIdentityProvider({ keys: [...idp.keys] });
  const oidc = { ...ENV, VIDGATE_OIDC_ISSUER: idp.issuer, VIDGATE_OIDC_AUDIENCE: TEST_AUDIENCE, VIDGATE_OIDC_CLOCK_SKEW: '30' };
  config = loadAuthConfig({ ...oidc, VIDGATE_OIDC_USER_CLAIM: 'preferred_username' });
  server = await whoAmIServer(createTokenVerifier(config.jwt, { now: () => clock ?? new Date() }));
  bySub = await whoAmIServer(createTokenVerifier(loadAuthConfig(oidc).jwt));
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.close(), bySub?.close(), idp?.stop(), stranger?.stop()]);
});

function expectRefused(answer: WhoAmI, reason: RegExp) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(401);
  expect(answer.body.error).toBe('token_invalid');
  expect(answer.body.message).toMatch(reason);
}

describe('access tokens the identity provider signs', () => {
  it('accepts an RS256 token as the user its claims name, with name and groups', async () => {
    const token = await idp.accessToken('alice');
    expect(decodeProtectedHeader(token).alg).toBe('RS256');
    expect(await server.ask(token)).toMatchObject({ status: 200, body: { sub: 'alice', name: 'Alice Liddell', groups: ['editors'], role: 'user', premium: false } });
  });

  it('accepts an ES256 token; the admin group makes an admin, the premium group premium', async () => {
    const ops = await idp.accessToken('ops', { kind: 'ES256' });
    expect(decodeProtectedHeader(ops).alg).toBe('ES256');
    expect((await server.ask(ops)).body).toEqual({ sub: 'ops', name: 'Ops On-Call', groups: ['vidgate-admins'], role: 'admin', premium: false });
    expect((await server.ask(await idp.accessToken('pat', { kind: 'ES256' }))).body).toMatchObject({ sub: 'pat', role: 'user', premium: true });
  });

  it('gives a user without groups an empty list, never a missing one', async () => {
    expect((await server.ask(await idp.accessToken('carol'))).body).toEqual({ sub: 'carol', name: 'Carol Danvers', groups: [], role: 'user', premium: false });
  });

  it('names the user by "sub" unless configured otherwise (the provider\'s opaque id here)', async () => {
    const token = await idp.accessToken('bob');
    expect((await bySub.ask(token)).body).toMatchObject({ sub: decodeJwt(token).sub, name: 'Bob Builder', groups: ['editors'] });
  });

  it('tolerates the clock skew on both sides: a token 25 s past its exp, or 25 s before its nbf', async () => {
    const token = await idp.accessToken('alice');
    const { exp, nbf } = decodeJwt(token);
    try {
      clock = new Date((exp! + 25) * 1000);
      expect((await server.ask(token)).status).toBe(200);
      clock = new Date((nbf! - 25) * 1000);
      expect((await server.ask(token)).status).toBe(200);
    } finally {
      clock = undefined;
    }
  });

  it('still takes HS256 tokens from the shared secret, with their groups and name', async () => {
    const token = issueToken(config.jwt, { sub: 'deploy-bot', role: 'user', premium: false, groups: ['robots'], name: 'Deploy Bot' });
    expect((await server.ask(token)).body).toEqual({ sub: 'deploy-bot', role: 'user', premium: false, groups: ['robots'], name: 'Deploy Bot' });
  });
});

describe('refused with 401 token_invalid', () => {
  it('a token of another issuer, signed with the same keys', async () => {
    expectRefused(await server.ask(await stranger.accessToken('alice')), /"iss"/);
  });

  it('a token for another audience', async () => {
    expectRefused(await server.ask(await idp.accessToken('alice', { kind: 'other' })), /"aud"/);
  });

  it('an expired token (past exp by more than the skew), and one not yet valid (nbf ahead by more than the skew)', async () => {
    const token = await idp.accessToken('ops');
    const { exp, nbf } = decodeJwt(token);
    try {
      clock = new Date((exp! + 31) * 1000);
      expectRefused(await server.ask(token), /"exp"/);
      clock = new Date((nbf! - 31) * 1000);
      expectRefused(await server.ask(token), /"nbf"/);
    } finally {
      clock = undefined;
    }
  });

  it('a tampered signature, and a tampered payload (carol promoted to the admin group)', async () => {
    const [header, payload, signature] = (await idp.accessToken('carol')).split('.') as [string, string, string];
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    expectRefused(await server.ask(`${header}.${payload}.${flipped}`), /signature/);
    const promoted = b64({ ...decodeJwt(`${header}.${payload}.${signature}`), groups: ['vidgate-admins'] });
    expectRefused(await server.ask(`${header}.${promoted}.${signature}`), /signature/);
  });

  it('alg "none", with and without the provider\'s kid', async () => {
    const claims = decodeJwt(await idp.accessToken('ops'));
    expectRefused(await server.ask(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`), /none/);
    expectRefused(await server.ask(`${b64({ alg: 'none', kid: idp.keys[0]!.kid })}.${b64(claims)}.`), /none/);
  });

  it('HS256 signed with the provider\'s public key (algorithm confusion), whichever form of the key', async () => {
    const claims = decodeJwt(await idp.accessToken('ops'));
    const rsa = idp.keys.find((k) => k.alg === 'RS256')!;
    const publicKey = createPublicKey({ key: { kty: rsa.kty, n: rsa.n, e: rsa.e }, format: 'jwk' });
    const forms = [publicKey.export({ type: 'spki', format: 'pem' }), publicKey.export({ type: 'pkcs1', format: 'pem' }), JSON.stringify(publicKey.export({ format: 'jwk' })), Buffer.from(rsa.n!, 'base64url')];
    // Also with our own issuer and audience, so nothing but the key can be at fault.
    for (const payload of [claims, { ...claims, iss: config.jwt.issuer, aud: config.jwt.audience }]) {
      for (const key of forms) {
        const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: rsa.kid })}.${b64(payload)}`;
        expectRefused(await server.ask(`${input}.${hmac(input, key)}`), /signature/);
      }
    }
  });

  it('an RS256 header over an HMAC signature made with the public key', async () => {
    const claims = decodeJwt(await idp.accessToken('ops'));
    const rsa = idp.keys.find((k) => k.alg === 'RS256')!;
    const pem = createPublicKey({ key: { kty: rsa.kty, n: rsa.n, e: rsa.e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const input = `${b64({ alg: 'RS256', kid: rsa.kid })}.${b64(claims)}`;
    expectRefused(await server.ask(`${input}.${hmac(input, pem)}`), /signature/);
  });

  it('other algorithms, and garbage', async () => {
    const claims = decodeJwt(await idp.accessToken('ops'));
    for (const alg of ['HS512', 'EdDSA', 'RSA-OAEP', 'none ']) expectRefused(await server.ask(`${b64({ alg })}.${b64(claims)}.c2ln`), /not accepted/);
    expectRefused(await server.ask('a.b.c'), /not a JWT/);
  });

  it('a provider\'s token while no provider is configured, and never echoes a token', async () => {
    const hs256Only = await whoAmIServer(createTokenVerifier(loadAuthConfig(ENV).jwt));
    try {
      const token = await idp.accessToken('ops');
      const answer = await hs256Only.ask(token);
      expectRefused(answer, /no identity provider/);
      expect(JSON.stringify(answer.body)).not.toContain(token.split('.')[1]);
    } finally {
      await hs256Only.close();
    }
  });
});
