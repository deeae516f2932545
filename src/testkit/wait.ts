// Bounded waits for tests: node:test has no default timeout, so a test that
// waits for something that never comes must fail with a message, not hang the
// whole suite.

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** What is being waited for, for the failure message. */
  what?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Settles as `p` does, or rejects once `timeoutMs` has passed. */
export function withTimeout<T>(p: Promise<T>, opts: WaitOptions = {}): Promise<T> {
  const ms = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${opts.what ?? 'a promise'}`)), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/**
 * Evaluates `probe` (which may ask the system something) until `done` accepts
 * its value, and resolves with that value; rejects with the last value seen
 * once `timeoutMs` has passed. Each probe is a round trip, so this never spins.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, done: (v: T) => boolean, opts: WaitOptions = {}): Promise<T> {
  const ms = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await withTimeout(Promise.resolve(probe()), { timeoutMs: Math.max(1, deadline - Date.now()), what: opts.what ?? 'a probe' });
    if (done(v)) return v;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${opts.what ?? 'a condition'}; last value: ${preview(v)}`);
    }
    // Yield to the event loop so that what the probe waits for can happen.
    await new Promise<void>((r) => setImmediate(r));
  }
}

function preview(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch (err) {
    s = `(unserialisable: ${err instanceof Error ? err.message : String(err)})`;
  }
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/**
 * Lets timers run, node:test's timeout among them: a test that loops for a
 * long time without awaiting cannot be cut short by its own bound, so a cost
 * test that must fail when something turns quadratic yields now and then.
 */
export function yieldToTimers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
