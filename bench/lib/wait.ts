// Polling waits with a deadline: every phase of a bench must end by itself.
import { sleep } from './clock.ts';

export class TimeoutError extends Error {}

/** Resolves once `done()` is true; rejects with TimeoutError after `timeoutMs`. */
export async function waitUntil(done: () => boolean, timeoutMs: number, opts: { everyMs?: number; onTick?: () => void; what?: string } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    opts.onTick?.();
    if (done()) return;
    if (Date.now() >= deadline) throw new TimeoutError(`${opts.what ?? 'condition'} not reached within ${timeoutMs} ms`);
    await sleep(opts.everyMs ?? 20);
  }
}
