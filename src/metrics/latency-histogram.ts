// Delivery latency kept in plain numbers: one observation per published event
// and node (never per subscriber), so an observe is a bucket search over a
// dozen bounds and three additions, with no label hashing. prom-client gets
// the cumulative buckets when scraped (see analytics.ts); GET stats gets the
// percentiles of a sliding window, and nodes' windows merge by adding their
// bucket counts (a p99 cannot be averaged, buckets can).

/** Upper bounds of the buckets, in ms (the last bucket, +Inf, is implicit). */
export const LATENCY_BOUNDS_MS = [1, 2.5, 5, 10, 25, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000] as const;

const SLOTS = 6;

export class LatencyHistogram {
  /** Since start (cumulative for Prometheus): per bucket (non-cumulative here), the last one +Inf. */
  readonly counts = new Float64Array(LATENCY_BOUNDS_MS.length + 1);
  sumMs = 0;
  count = 0;
  /** The sliding window: SLOTS slots of windowMs / SLOTS each, reused in turn. */
  private readonly slots: Float64Array[] = [];
  private readonly slotAt: number[] = [];
  private readonly slotMs: number;

  constructor(windowMs: number) {
    this.slotMs = Math.max(1, Math.ceil(windowMs / SLOTS));
    for (let i = 0; i < SLOTS; i++) {
      this.slots.push(new Float64Array(LATENCY_BOUNDS_MS.length + 1));
      this.slotAt.push(-1);
    }
  }

  /** One delivery `ms` after its event was sequenced, observed at `now`. */
  observe(ms: number, now: number): void {
    const v = ms > 0 ? ms : 0;
    let i = 0;
    while (i < LATENCY_BOUNDS_MS.length && v > LATENCY_BOUNDS_MS[i]!) i++;
    this.counts[i]! += 1;
    this.sumMs += v;
    this.count++;
    const n = Math.floor(now / this.slotMs);
    const k = n % SLOTS;
    const slot = this.slots[k]!;
    if (this.slotAt[k] !== n) {
      slot.fill(0);
      this.slotAt[k] = n;
    }
    slot[i]! += 1;
  }

  /** The window's bucket counts (non-cumulative, +Inf last) as of `now`. */
  window(now: number): number[] {
    const n = Math.floor(now / this.slotMs);
    const out = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
    for (let k = 0; k < SLOTS; k++) {
      const at = this.slotAt[k]!;
      if (at < 0 || n - at >= SLOTS) continue;
      const slot = this.slots[k]!;
      for (let i = 0; i < out.length; i++) out[i]! += slot[i]!;
    }
    return out;
  }
}

/**
 * The q-quantile (0..1) of bucket counts (non-cumulative, +Inf last), linearly
 * interpolated within its bucket as Prometheus' histogram_quantile does; null
 * with no observations. In the +Inf bucket it answers the highest finite bound
 * (the true value is at least that).
 */
export function quantileOf(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < buckets.length; i++) {
    const c = buckets[i]!;
    if (c > 0 && below + c >= rank) {
      if (i >= LATENCY_BOUNDS_MS.length) return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
      const lo = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      const hi = LATENCY_BOUNDS_MS[i]!;
      return lo + ((hi - lo) * (rank - below)) / c;
    }
    below += c;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}

/** Bucket counts added element by element (nodes' windows merged). */
export function addBuckets(into: number[], more: readonly number[]): number[] {
  for (let i = 0; i < into.length; i++) into[i]! += more[i] ?? 0;
  return into;
}
