// Polling waits with a deadline: every phase of a bench must end by itself.
import { sleep } from './clock.ts';

export class TimeoutError extends Error {}

/** Resolves once `done()` is true; rejects with TimeoutError after `timeoutMs`. */
export async function waitUntil(
  done: () => boolean,
  timeoutMs: number,
  /** `detail` says where things stood when the wait timed out (counts, close codes). */
  opts: { everyMs?: number; onTick?: () => void; what?: string; detail?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    opts.onTick?.();
    if (done()) return;
    if (Date.now() >= deadline) throw new TimeoutError(`${opts.what ?? 'condition'} not reached within ${timeoutMs} ms${opts.detail ? ` (${opts.detail()})` : ''}`);
    await sleep(opts.everyMs ?? 20);
  }
}
