// Quantiles of one interval from a prom-client histogram: the difference of
// two readings of its cumulative buckets, interpolated inside the bucket as
// Prometheus' histogram_quantile does. Pure, so the page can merge the
// buckets of several nodes the same way.

/** Cumulative counts per upper bound (`le`, seconds; the last is +Inf). */
export type Buckets = readonly (readonly [le: number, count: number])[];

/** The buckets of a prom-client histogram's `get()` values (one label set). */
export function bucketsOf(values: readonly { metricName?: string; labels: Record<string, string | number | undefined>; value: number }[]): Buckets {
  const out: [number, number][] = [];
  for (const v of values) {
    if (!v.metricName?.endsWith('_bucket')) continue;
    const le = v.labels.le;
    out.push([le === '+Inf' || le === undefined ? Number.POSITIVE_INFINITY : Number(le), v.value]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** `now - before`, bucket by bucket (buckets missing before count from 0). */
export function deltaOf(now: Buckets, before: Buckets | undefined): Buckets {
  if (!before) return now;
  const prev = new Map(before.map(([le, n]) => [le, n]));
  return now.map(([le, n]) => [le, Math.max(0, n - (prev.get(le) ?? 0))] as const);
}

/** The q-quantile (0..1) in seconds of cumulative buckets; null when they are empty. */
export function quantile(q: number, buckets: Buckets): number | null {
  const total = buckets.length === 0 ? 0 : buckets[buckets.length - 1]![1];
  if (total === 0) return null;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      // Past the last finite bound nothing is known: answer that bound.
      if (!Number.isFinite(le)) return lowerLe;
      if (count === lowerCount) return le;
      return lowerLe + ((le - lowerLe) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe;
}
