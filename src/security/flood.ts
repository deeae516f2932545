// Flood check of PROTOCOL.md §2: a client sending more than floodFactor x its
// message rate over floodWindowMs is closed with 4008. It runs on every frame:
// two number fields per connection, no allocation.

export interface FloodLimits {
  floodFactor: number;
  floodWindowMs: number;
}

/** The per-connection fields the check keeps (part of the connection's state). */
export interface FloodCounter {
  messagesPerSecond: number;
  floodWindowStart: number;
  floodCount: number;
}

export class FloodGuard {
  constructor(private readonly limits: FloodLimits) {}

  /** Counts one frame; true when the connection is over its limit for the current window. */
  count(c: FloodCounter, now: number): boolean {
    const { floodFactor, floodWindowMs } = this.limits;
    if (now - c.floodWindowStart >= floodWindowMs) {
      c.floodWindowStart = now;
      c.floodCount = 0;
    }
    c.floodCount++;
    return c.floodCount > (c.messagesPerSecond * floodFactor * floodWindowMs) / 1000;
  }

  get windowMs(): number {
    return this.limits.floodWindowMs;
  }
}
