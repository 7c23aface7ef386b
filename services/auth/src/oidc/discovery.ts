/**
 * The provider's JWKS address, from its discovery document
 * (`<issuer>/.well-known/openid-configuration`, OpenID Connect Discovery 1.0
 * §4: a trailing slash of the issuer is dropped before the suffix). The
 * document must name exactly the configured issuer (§4.3), so a typo in
 * VIDGATE_OIDC_ISSUER or a provider behind the wrong public address fails
 * here, with both values, instead of refusing every token as "wrong issuer".
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<URL> {
  const address = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(address, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`${address} answered ${res.status}`);
  }
  const document = await res.json().catch(() => undefined) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
  if (document?.issuer !== issuer) {
    throw new Error(`${address} names the issuer ${JSON.stringify(document?.issuer)}, not ${JSON.stringify(issuer)} (VIDGATE_OIDC_ISSUER must be written exactly as the provider writes it)`);
  }
  if (typeof document.jwks_uri !== 'string' || !URL.canParse(document.jwks_uri)) throw new Error(`${address} has no jwks_uri`);
  return new URL(document.jwks_uri);
}
