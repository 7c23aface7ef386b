// Shared by the pages: a demo sign-in (development stacks only) and JSON calls to /v1/.
window.vidgate = (function () {
  let token;

  async function call(path, options = {}) {
    const res = await fetch(path, {
      ...options,
      headers: { ...(options.body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}), ...options.headers },
    });
    const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
    if (!res.ok) throw new Error(body && body.error ? `${body.error}: ${body.message ?? ''}` : `HTTP ${res.status}`);
    return body;
  }

  async function signIn() {
    const session = await call('/v1/demo/login', { method: 'POST' });
    token = session.token;
    return session.sub;
  }

  return { call, signIn };
})();
