// Test support shared by the integration suites: bounded polling and a small seeded generator.

/** Polls `check` (sync or async) until it holds; fails after timeoutMs naming what it waited for. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 25): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A seeded linear congruential generator in [0, 1): the same seed prints the same receipts. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}
