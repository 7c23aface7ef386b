/**
 * Polls a URL until it answers with an expected status, or fails at a deadline.
 * Gives up at once if the process that should answer has already exited.
 */
export async function waitForHttp(
  url: string,
  options: { timeoutMs: number; ok?: (status: number, body: string) => boolean; exited?: Promise<unknown>; what: string },
): Promise<void> {
  const ok = options.ok ?? ((s: number) => s === 200);
  const deadline = Date.now() + options.timeoutMs;
  let exited: unknown;
  let gone = false;
  void options.exited?.then((code) => {
    gone = true;
    exited = code;
  });
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${options.what} exited (${String(exited)}) before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (ok(res.status, await res.text())) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${options.what} was not ready at ${url} within ${options.timeoutMs} ms (${last})`);
}
