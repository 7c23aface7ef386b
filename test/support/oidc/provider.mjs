// A test identity provider: panva's certified oidc-provider, configured as a
// deployment would configure Keycloak for Vidgate. Started as its own process
// by test/support/oidc-provider.ts, which passes everything in
// VIDGATE_TEST_OIDC (JSON: issuer, audience, private signing keys, the web
// client's redirect URIs) and reads "listening <port>" from stdout.
//
// - users alice and bob (group editors), carol (no group), ops (vidgate-admins),
//   pat (vidgate-premium); the provider's own development login form, which
//   takes any password;
// - vidgate-web: the pages' public client (authorization code + PKCE);
//   vidgate-tests: a confidential client the harness signs users in with, without a browser;
// - access tokens are JWTs for the resource urn:vidgate:api (audience = the
//   configured one) signed RS256, or ES256 for urn:vidgate:api:es256, or for
//   another API's audience (urn:vidgate:other-api); they carry name,
//   preferred_username and groups, as Keycloak's mappers add them, and nbf.
import { createHash } from 'node:crypto';
import { Provider, errors } from 'oidc-provider';

const settings = JSON.parse(process.env.VIDGATE_TEST_OIDC ?? '{}');
const { issuer, audience, keys, webRedirectUris = [], testsRedirectUri } = settings;

const USERS = {
  alice: { name: 'Alice Liddell', groups: ['editors'] },
  bob: { name: 'Bob Builder', groups: ['editors'] },
  carol: { name: 'Carol Danvers', groups: [] },
  ops: { name: 'Ops On-Call', groups: ['vidgate-admins'] },
  pat: { name: 'Pat Premium', groups: ['vidgate-premium'] },
};

const RESOURCES = {
  'urn:vidgate:api': { audience, alg: 'RS256' },
  'urn:vidgate:api:es256': { audience, alg: 'ES256' },
  'urn:vidgate:other-api': { audience: 'other-api', alg: 'RS256' },
};

/** The login is the account id; "sub" is pairwise (opaque, like Keycloak's), so mapping the user claim to preferred_username means something. */
function profileOf(login) {
  const user = Object.hasOwn(USERS, login) ? USERS[login] : undefined;
  return user && { sub: login, name: user.name, preferred_username: login, groups: user.groups };
}

const provider = new Provider(issuer, {
  clients: [
    { client_id: 'vidgate-web', subject_type: 'pairwise', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: webRedirectUris, post_logout_redirect_uris: webRedirectUris },
    { client_id: 'vidgate-tests', subject_type: 'pairwise', client_secret: 'vidgate-tests-secret', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [testsRedirectUri] },
  ],
  jwks: { keys },
  cookies: { keys: ['vidgate-test-provider-cookie-key-0123456789'] },
  subjectTypes: ['public', 'pairwise'],
  pairwiseIdentifier: async (_ctx, accountId, client) => createHash('sha256').update(`${client.sectorIdentifier} ${accountId}`).digest('hex').slice(0, 32),
  scopes: ['openid', 'profile', 'groups', 'offline_access'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] },
  // ID tokens carry the profile, as Keycloak's do: the pages show who signed in without a userinfo call.
  conformIdTokenClaims: false,
  // The development login form: any login of a known user, any password.
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? 'urn:vidgate:api',
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        const resource = RESOURCES[indicator];
        if (!resource) throw new errors.InvalidTarget();
        return { scope: 'api', audience: resource.audience, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: resource.alg } } };
      },
    },
  },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600, RefreshToken: 3600 },
  async findAccount(_ctx, id) {
    const profile = profileOf(id);
    return profile && { accountId: id, claims: async () => profile };
  },
  // First-party clients: whatever they ask for is granted, no consent screen.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    for (const [indicator, server] of Object.entries(ctx.oidc.resourceServers)) grant.addResourceScope(indicator, server.scope);
    await grant.save();
    return grant;
  },
  async extraTokenClaims(_ctx, token) {
    const profile = token.accountId && profileOf(token.accountId);
    const now = Math.floor(Date.now() / 1000);
    return profile ? { name: profile.name, preferred_username: profile.preferred_username, groups: profile.groups, nbf: now } : { nbf: now };
  },
});

const server = provider.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
