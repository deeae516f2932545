// A map whose oldest entries are forgotten first, in constant steps: for the
// bounded memories that remember a key for a window (idempotency keys,
// refusals, a channel's dedupe answers) and forget the oldest on each new one.
//
// A plain Map keeps insertion order, but deleting its oldest entries one by
// one leaves holes at its front until V8 rehashes it, and every new iteration
// from the front steps over all of them. "Iterate from the front, delete
// while too old" then costs more on each call: 600,000 keys through a bound
// of 200,000 took 45 s, and a flash sale's stream of refusals stalled its
// thread. Here the age order is a queue beside the Map.

interface Slot<K, V> {
  key: K;
  value: V;
}

export class AgeOrderedMap<K, V> {
  private readonly byKey = new Map<K, Slot<K, V>>();
  /** Every slot set, oldest at `head`; a slot whose key was deleted or set again is stale and skipped. */
  private queue: Slot<K, V>[] = [];
  private head = 0;

  static from<K, V>(entries: Iterable<readonly [K, V]>): AgeOrderedMap<K, V> {
    const m = new AgeOrderedMap<K, V>();
    for (const [k, v] of entries) m.set(k, v);
    return m;
  }

  get size(): number {
    return this.byKey.size;
  }

  get(key: K): V | undefined {
    return this.byKey.get(key)?.value;
  }

  has(key: K): boolean {
    return this.byKey.has(key);
  }

  /** `key` becomes the newest entry, also when it was there before (unlike a Map, which keeps its place). */
  set(key: K, value: V): void {
    const slot = { key, value };
    this.byKey.set(key, slot);
    this.queue.push(slot);
    // Deletes away from the front leave stale slots behind; keep them fewer than the live ones.
    if (this.queue.length - this.head > 2 * this.byKey.size + 1024) this.compact();
  }

  delete(key: K): boolean {
    return this.byKey.delete(key);
  }

  /** The oldest entry's key and value; undefined when empty. */
  oldest(): [K, V] | undefined {
    const slot = this.oldestSlot();
    return slot === undefined ? undefined : [slot.key, slot.value];
  }

  /** Forgets the oldest entry (nothing when empty). */
  dropOldest(): void {
    const slot = this.oldestSlot();
    if (slot === undefined) return;
    this.byKey.delete(slot.key);
    this.head++;
    // The passed front is released in slices, so that each drop stays constant on average.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Keys, oldest first. */
  *keys(): IterableIterator<K> {
    for (const [k] of this) yield k;
  }

  /** Values, oldest first. */
  *values(): IterableIterator<V> {
    for (const [, v] of this) yield v;
  }

  /** Entries, oldest first. */
  *[Symbol.iterator](): IterableIterator<[K, V]> {
    // The array as it is now: a set() during the loop may compact this.queue, never this array.
    const queue = this.queue;
    for (let i = this.head; i < queue.length; i++) {
      const slot = queue[i]!;
      if (this.byKey.get(slot.key) === slot) yield [slot.key, slot.value];
    }
  }

  private oldestSlot(): Slot<K, V> | undefined {
    while (this.head < this.queue.length) {
      const slot = this.queue[this.head]!;
      if (this.byKey.get(slot.key) === slot) return slot;
      this.head++;
    }
    if (this.head > 0) {
      this.queue = [];
      this.head = 0;
    }
    return undefined;
  }

  private compact(): void {
    this.queue = this.queue.slice(this.head).filter((slot) => this.byKey.get(slot.key) === slot);
    this.head = 0;
  }
}
