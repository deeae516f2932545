// Binary search over a list sorted by a key (offsets, sequence numbers).

/**
 * The index of the first item for which `before` is false, given that it is
 * true for a prefix of `list` and false after it (list.length when it is true
 * throughout): where a key would be inserted to keep the order.
 */
export function partitionPoint<T>(list: readonly T[], before: (item: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
