import type { Reminder, ReminderEngine } from '../reminders.ts';

/** Reminders of a single process, keyed by address and name. */
export class MemoryReminderEngine implements ReminderEngine {
  private readonly byKey = new Map<string, Reminder>();

  async set(r: Reminder): Promise<void> {
    if (!Number.isFinite(r.dueAt)) throw new RangeError(`reminder ${r.name} of ${r.address}: dueAt must be a finite number of ms, got ${r.dueAt}`);
    this.byKey.set(key(r.address, r.name), { address: r.address, name: r.name, dueAt: r.dueAt });
  }

  async cancel(address: string, name: string): Promise<void> {
    this.byKey.delete(key(address, name));
  }

  async due(now: number, limit: number): Promise<Reminder[]> {
    // A scan: the memory engine serves one node's reminders, a few thousand at most.
    const due: Reminder[] = [];
    for (const r of this.byKey.values()) if (r.dueAt <= now) due.push(r);
    due.sort((a, b) => a.dueAt - b.dueAt);
    return due.slice(0, limit).map((r) => ({ ...r }));
  }
}

function key(address: string, name: string): string {
  // Addresses may contain ':' but never a newline (they travel in JSON frames and logs).
  return `${address}\n${name}`;
}
