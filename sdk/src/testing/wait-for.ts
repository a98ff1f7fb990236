/**
 * Waits until `fn` answers something truthy (and answers it), checking every 25 ms; fails naming
 * `what` after `timeoutMs`. Tests wait for conditions, never for a time: these machines are shared
 * and their speed varies, so "it happened" is checked, "it happened within N ms" is not.
 */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message ?? last}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
