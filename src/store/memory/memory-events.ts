import { HaatError } from '../../errors.ts';
import type { DeliveryStatus, RealtimeEventRecord, RealtimeEvents } from '../realtime-events.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import { newestFirst } from './order.ts';
import type { Sweepable } from './retention.ts';
import { ByExpiry } from './by-expiry.ts';

export class MemoryEvents implements RealtimeEvents, Sweepable {
  private readonly byId = new Map<string, RealtimeEventRecord>();
  /**
   * The records by expires_at, for the sweep: it read every record each
   * minute before, 1.0 s of the main thread an hour with 500,000 kept.
   */
  private readonly byExpiry = new ByExpiry<RealtimeEventRecord>();

  async insert(record: RealtimeEventRecord): Promise<void> {
    if (this.byId.has(record.id)) throw new HaatError('conflict', `event ${record.id} exists`);
    const kept = structuredClone(record);
    this.byId.set(kept.id, kept);
    this.byExpiry.push(kept);
  }

  async get(id: string): Promise<RealtimeEventRecord | null> {
    const r = this.byId.get(id);
    return r ? structuredClone(r) : null;
  }

  async addDelivery(id: string, delta: Partial<DeliveryStatus>): Promise<void> {
    const r = this.byId.get(id);
    if (!r) return;
    r.delivery.total += delta.total ?? 0;
    r.delivery.delivered += delta.delivered ?? 0;
    r.delivery.failed += delta.failed ?? 0;
  }

  async listByChannel(channel: string, page: PageRequest = {}): Promise<Page<RealtimeEventRecord>> {
    const limit = clampLimit(page.limit);
    const items = newestFirst(
      [...this.byId.values()].filter((r) => r.channel === channel),
      decodeCursor(page.cursor, 2),
      limit,
    );
    return pageOf(items.map((r) => structuredClone(r)), limit, (r) => [r.created_at, r.id]);
  }

  /** Deletes what MongoDB's TTL index would: events whose expires_at has come. */
  sweep(now: number): number {
    let n = 0;
    for (let r = this.byExpiry.peek(); r !== undefined && r.expires_at <= now; r = this.byExpiry.peek()) {
      this.byExpiry.pop();
      // Records are deleted only here: each is in the heap once, while it is stored.
      if (this.byId.get(r.id) !== r) continue;
      this.byId.delete(r.id);
      n++;
    }
    return n;
  }
}
