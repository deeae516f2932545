import type { Reminder, ReminderEngine } from '../reminders.ts';
import { MinHeap } from '../../min-heap.ts';

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
  private readonly byDue = new MinHeap<Reminder>((r) => r.dueAt);

  async set(r: Reminder): Promise<void> {
    if (!Number.isFinite(r.dueAt)) throw new RangeError(`reminder ${r.name} of ${r.address}: dueAt must be a finite number of ms, got ${r.dueAt}`);
    const entry = { address: r.address, name: r.name, dueAt: r.dueAt };
    this.byKey.set(key(r.address, r.name), entry);
    this.byDue.push(entry);
    if (this.byDue.size > 2 * this.byKey.size + 1024) this.byDue.rebuild((e) => this.live(e));
  }

  async cancel(address: string, name: string): Promise<void> {
    this.byKey.delete(key(address, name));
  }

  async due(now: number, limit: number): Promise<Reminder[]> {
    // Stale entries at the top go for good; below it, only the due region of the heap is walked.
    for (let top = this.byDue.peek(); top !== undefined && !this.live(top); top = this.byDue.peek()) this.byDue.pop();
    const due: Reminder[] = [];
    for (const r of this.byDue.upTo(now)) if (this.live(r)) due.push(r);
    due.sort((a, b) => a.dueAt - b.dueAt);
    return due.slice(0, limit).map((r) => ({ ...r }));
  }

  private live(r: Reminder): boolean {
    return this.byKey.get(key(r.address, r.name)) === r;
  }
}

function key(address: string, name: string): string {
  // Addresses may contain ':' but never a newline (they travel in JSON frames and logs).
  return `${address}\n${name}`;
}
