// Shared by the pages: signing in and JSON calls to /v1/. GET /v1/auth/config
// says how to sign in: with the identity provider (authorization code + PKCE
// through oidc-client-ts, served from /vendor/ like hls.js) when one is
// configured for the pages, else the demo login of development stacks.
window.vidgate = (function () {
  let token;
  let manager;

  async function call(path, options = {}) {
    if (manager) token = (await manager.getUser())?.access_token ?? token; // renewed in the background
    const res = await fetch(path, {
      ...options,
      headers: { ...(options.body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}), ...options.headers },
    });
    const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
    if (!res.ok) throw new Error(body && body.error ? `${body.error}: ${body.message ?? ''}` : `HTTP ${res.status}`);
    return body;
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.append(script);
    });
  }

  /**
   * The provider's user, after its login page when there is none yet: this
   * page is the redirect URI, and the query it had comes back as url_state.
   */
  async function signInWithProvider(settings) {
    if (!window.oidc) await loadScript('/vendor/oidc-client-ts.min.js');
    const here = location.origin + location.pathname;
    manager = new window.oidc.UserManager({
      authority: settings.issuer, client_id: settings.clientId, scope: settings.scope,
      redirect_uri: here, post_logout_redirect_uri: here, response_type: 'code',
      automaticSilentRenew: true, loadUserInfo: false,
    });
    const query = new URLSearchParams(location.search);
    if (query.has('state') && (query.has('code') || query.has('error'))) {
      const user = await manager.signinRedirectCallback();
      history.replaceState(null, '', user.url_state || location.pathname);
    }
    let user = await manager.getUser();
    // An expired token is renewed with the refresh token where the provider gave one, without leaving the page.
    if (user?.expired && user.refresh_token) user = await manager.signinSilent().catch(() => null);
    if (!user || user.expired) {
      await manager.signinRedirect({ url_state: location.pathname + location.search });
      return new Promise(() => {}); // the browser is on its way to the provider
    }
    token = user.access_token;
    return user.profile.preferred_username || user.profile.name || user.profile.sub;
  }

  async function signIn() {
    const how = await call('/v1/auth/config');
    if (how.oidc) return signInWithProvider(how.oidc);
    if (!how.demoLogin) throw new Error('token_missing: this origin has no sign-in for its pages (set VIDGATE_OIDC_CLIENT_ID)');
    const session = await call('/v1/demo/login', { method: 'POST' });
    token = session.token;
    return session.sub;
  }

  async function signOut() {
    token = undefined;
    if (manager) await manager.signoutRedirect();
  }

  /** Shows one line in the page's #status; errors are also kept in `errors`, which the browser tests read. */
  function showStatus(errors, text, isError) {
    const line = document.getElementById('status');
    line.textContent = text;
    line.className = isError ? 'error' : '';
    if (isError) errors.push(text);
  }

  return { call, signIn, signOut, showStatus };
})();
