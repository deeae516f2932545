import type { Reminder, ReminderEngine } from '../reminders.ts';

/**
 * Reminders of a single process, keyed by address and name, and in a min-heap
 * by due time, so that a poll reads the due ones without a scan of them all:
 * every user with queued notifications has an expiry reminder, and after a
 * campaign to a million offline users a scan cost 9 ms of the main thread per
 * poll (four polls a second). A reminder cancelled or set again leaves its
 * old heap entry behind; entries are checked against `byKey` by identity, and
 * the heap is rebuilt when stale entries outnumber the live ones.
 */
export class MemoryReminderEngine implements ReminderEngine {
  private readonly byKey = new Map<string, Reminder>();
  private heap: Reminder[] = [];

  async set(r: Reminder): Promise<void> {
    if (!Number.isFinite(r.dueAt)) throw new RangeError(`reminder ${r.name} of ${r.address}: dueAt must be a finite number of ms, got ${r.dueAt}`);
    const entry = { address: r.address, name: r.name, dueAt: r.dueAt };
    this.byKey.set(key(r.address, r.name), entry);
    this.push(entry);
    if (this.heap.length > 2 * this.byKey.size + 1024) this.rebuild();
  }

  async cancel(address: string, name: string): Promise<void> {
    this.byKey.delete(key(address, name));
  }

  async due(now: number, limit: number): Promise<Reminder[]> {
    // Stale entries at the top go for good; below it, the due region of the heap is walked (children are never earlier).
    while (this.heap.length > 0 && !this.live(this.heap[0]!)) this.pop();
    const due: Reminder[] = [];
    const stack = this.heap.length > 0 ? [0] : [];
    while (stack.length > 0) {
      const i = stack.pop()!;
      const r = this.heap[i]!;
      if (r.dueAt > now) continue;
      if (this.live(r)) due.push(r);
      if (2 * i + 1 < this.heap.length) stack.push(2 * i + 1);
      if (2 * i + 2 < this.heap.length) stack.push(2 * i + 2);
    }
    due.sort((a, b) => a.dueAt - b.dueAt);
    return due.slice(0, limit).map((r) => ({ ...r }));
  }

  private live(r: Reminder): boolean {
    return this.byKey.get(key(r.address, r.name)) === r;
  }

  private push(r: Reminder): void {
    const h = this.heap;
    h.push(r);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (h[p]!.dueAt <= h[i]!.dueAt) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      if (l >= h.length) return;
      const c = l + 1 < h.length && h[l + 1]!.dueAt < h[l]!.dueAt ? l + 1 : l;
      if (h[i]!.dueAt <= h[c]!.dueAt) return;
      [h[i], h[c]] = [h[c]!, h[i]!];
      i = c;
    }
  }

  private rebuild(): void {
    const live = [...this.byKey.values()];
    this.heap = [];
    for (const r of live) this.push(r);
  }
}

function key(address: string, name: string): string {
  // Addresses may contain ':' but never a newline (they travel in JSON frames and logs).
  return `${address}\n${name}`;
}
