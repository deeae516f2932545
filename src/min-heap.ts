// A binary min-heap by a numeric key (an expiry, a due time), for the
// memories that must find their earliest item without a scan of them all: a
// sale's holds, the memory engine's reminders, the memory store's records.
// Items deleted elsewhere are the owner's business: it skips them as they
// come out (pop) or rebuilds the heap without them (rebuild).

export class MinHeap<T> {
  private items: T[] = [];

  constructor(private readonly keyOf: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const a = this.items;
    const key = this.keyOf(item);
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keyOf(a[p]!) <= key) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = item;
  }

  /** The item with the smallest key; undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Takes out the item with the smallest key. */
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) this.siftDown(last, 0);
    return top;
  }

  /** Every item whose key is at most `key`, in no particular order, without taking them out: a walk of the heap's top, not a scan. */
  *upTo(key: number): IterableIterator<T> {
    const a = this.items;
    if (a.length === 0) return;
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (this.keyOf(a[i]!) > key) continue; // its children are never smaller
      yield a[i]!;
      if (2 * i + 1 < a.length) stack.push(2 * i + 1);
      if (2 * i + 2 < a.length) stack.push(2 * i + 2);
    }
  }

  /** Keeps only the items `keep` accepts (for an owner whose deleted items came to outnumber the live ones). */
  rebuild(keep: (item: T) => boolean): void {
    this.items = this.items.filter(keep);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(this.items[i]!, i);
  }

  private siftDown(item: T, from: number): void {
    const a = this.items;
    const n = a.length;
    const key = this.keyOf(item);
    let i = from;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.keyOf(a[c + 1]!) < this.keyOf(a[c]!)) c++;
      if (this.keyOf(a[c]!) >= key) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = item;
  }
}
