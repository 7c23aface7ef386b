/**
 * Reads until `done` accepts the value or the deadline passes, and returns the
 * last value read either way, so the caller's assertion shows what was seen.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, { timeoutMs = 10_000, intervalMs = 100 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls until `check` returns a value other than undefined; throws at the deadline. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const value = await pollUntil(check, (v) => v !== undefined, { timeoutMs });
  if (value === undefined) throw new Error(`${what}: not within ${timeoutMs} ms`);
  return value;
}

/**
 * GET as a player does it: a request sent on a kept-alive connection that the
 * server closed at that very moment (a graceful reload closes idle ones) is sent
 * again, as browsers and hls.js do for idempotent requests (RFC 9112 §9.3.1);
 * up to three tries, since the pool may hand out another connection the same
 * reload closed. Only a connection closed before any response counts; a
 * response of any status is returned as it is. `retried` counts the extra tries.
 */
export async function playerGet(url: string | URL, options: { headers?: Record<string, string>; retried?: { count: number } } = {}): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { headers: options.headers });
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if ((code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') || attempt === 3) throw err;
      if (options.retried) options.retried.count++;
    }
  }
}
