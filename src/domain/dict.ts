// Records keyed by what clients choose (user ids, SKUs, idempotency keys) are
// dictionaries without a prototype. In a plain object a user named
// `constructor` finds Object.prototype's member instead of nothing, and a SKU
// named `__proto__` replaces the object's prototype instead of becoming a key:
// both are valid ids (PROTOCOL.md §3), and both broke a sale's books.

export type Dict<T> = Record<string, T>;

/** An empty dictionary, or a copy of `from`'s own entries (a record parsed from JSON, say). */
export function dict<T>(from?: Readonly<Record<string, T>>): Dict<T> {
  const d = Object.create(null) as Dict<T>;
  if (from !== undefined) for (const k of Object.keys(from)) d[k] = from[k]!;
  return d;
}
