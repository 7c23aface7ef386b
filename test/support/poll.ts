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
