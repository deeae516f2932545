// A window's worth of one channel's events for lean connections (PROTOCOL.md
// §6): the newest event per key survives; the rest are conflated away. What
// is taken out is in offset order, so the newest value of a key is delivered
// last and offsets stay strictly increasing.
import type { LeanEvent } from './event-meta.ts';

export class ConflationBuffer {
  private readonly byKey = new Map<string, LeanEvent>();
  /** Events superseded in this buffer since it was created. */
  conflated = 0;

  get size(): number {
    return this.byKey.size;
  }

  /** The newest offset held (0 when empty): everything up to it has been published. */
  get maxOffset(): number {
    let max = 0;
    for (const e of this.byKey.values()) if (e.offset > max) max = e.offset;
    return max;
  }

  /** Adds a keyed event; an older one of the same key is dropped. */
  add(ev: LeanEvent & { key: string }): void {
    if (this.byKey.has(ev.key)) {
      this.conflated++;
      // Re-inserted so that Map order stays offset order (events arrive in offset order).
      this.byKey.delete(ev.key);
    }
    this.byKey.set(ev.key, ev);
  }

  /** The surviving events, oldest first, without emptying the buffer. */
  peek(): LeanEvent[] {
    return [...this.byKey.values()];
  }

  /** The surviving events, oldest first; the buffer is empty afterwards. */
  take(): LeanEvent[] {
    const out = [...this.byKey.values()];
    this.byKey.clear();
    return out;
  }
}
