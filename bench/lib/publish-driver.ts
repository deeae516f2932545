// Two ways to drive a publisher against a subscriber pool:
// - windowed ("full speed"): keep at most `window` publishes not yet seen by
//   every subscriber, so the rate is what server and clients sustain without
//   a backlog growing in socket buffers;
// - fixed rate: publish on a schedule, for latency below saturation.
import { sleep } from './clock.ts';
import type { ClientPool } from './loadgen/pool.ts';
import type { Publisher } from './publisher.ts';

export interface DriveContext {
  publisher: Publisher;
  pool: ClientPool;
  /** Subscribers expected to receive each publish. */
  subscribers: () => number;
  /** Deliveries given up on in earlier phases (drain deadline passed): they never count as outstanding again. */
  missing: number;
}

/** Publishes not yet received by the subscribers of the slowest client thread (averaged over them). */
export function outstanding(ctx: DriveContext): number {
  const subs = ctx.subscribers();
  // No subscriber left: nothing can drain, so publish nothing (the stall check ends the phase).
  return subs === 0 ? Number.POSITIVE_INFINITY : ctx.publisher.published - ctx.pool.slowestDeliveredPerSubscriber() - ctx.missing / subs;
}

export interface Driver {
  stop(): void;
  /** True when no delivery progressed for `stallMs` while publishes were outstanding. */
  stalled(): boolean;
}

export function driveWindowed(ctx: DriveContext, window: number, stallMs = 3000): Driver {
  let stopped = false;
  let lastDelivered = -1;
  let lastProgressAt = Date.now();
  let stalled = false;
  const fill = (): void => {
    if (stopped) return;
    const delivered = ctx.pool.totals().delivered;
    if (delivered !== lastDelivered) {
      lastDelivered = delivered;
      lastProgressAt = Date.now();
    } else if (Date.now() - lastProgressAt > stallMs) {
      stalled = true;
      return;
    }
    // Refill only once half the window has drained, in one burst: a trickle
    // of single publishes would make every server write one small frame per
    // subscriber, and the rate would swing with how the refills happen to fall.
    if (outstanding(ctx) > window / 2) return;
    while (outstanding(ctx) < window) ctx.publisher.publish();
  };
  const unsubscribe = ctx.pool.onProgress(fill);
  // Worker reports drive the window; the timer only covers a silent pool.
  const timer = setInterval(fill, 50);
  fill();
  return {
    stop() {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
    },
    stalled: () => stalled,
  };
}

export function driveFixedRate(ctx: DriveContext, perSecond: number): Driver {
  const start = performance.now();
  let sent = 0;
  let stopped = false;
  const tickMs = Math.max(1, Math.min(10, Math.floor(1000 / perSecond)));
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const due = Math.floor(((performance.now() - start) * perSecond) / 1000);
      for (; sent < due; sent++) ctx.publisher.publish();
      await sleep(tickMs);
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
    },
    stalled: () => false,
  };
}
