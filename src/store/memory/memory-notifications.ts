import { HaatError } from '../../errors.ts';
import { NOTIFICATION_KEEP_MS, type NotificationFilter, type NotificationRecord, type RealtimeNotifications } from '../realtime-notifications.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import { newestFirst } from './order.ts';
import type { Sweepable } from './retention.ts';
import { ByExpiry } from './by-expiry.ts';

/**
 * A copy the caller cannot change afterwards, in one fixed shape: strings are
 * shared (immutable), objects copied. Inserted on the hot path of every
 * notification, so cheaper than a structuredClone of the whole record.
 */
function copy(r: NotificationRecord): NotificationRecord {
  return {
    id: r.id,
    user_id: r.user_id,
    notification_type: r.notification_type,
    title: { en: r.title.en, bn: r.title.bn },
    message: { en: r.message.en, bn: r.message.bn },
    data: r.data === null || typeof r.data !== 'object' ? r.data : structuredClone(r.data),
    priority: r.priority,
    channel: r.channel,
    status: r.status,
    created_at: r.created_at,
    delivered_at: r.delivered_at,
    acked_at: r.acked_at,
    expires_at: r.expires_at,
  };
}

export class MemoryNotifications implements RealtimeNotifications, Sweepable {
  private readonly byId = new Map<string, NotificationRecord>();
  /** Each user's records, oldest inserted first (the order the per-user cap drops them in); an array, not a map: most users hold a few. */
  private readonly byUser = new Map<string, NotificationRecord[]>();
  /**
   * Records by expires_at, for the expiry run and for the sweep (a week
   * later). Both read every record before, each minute: 500,000 records made
   * an hour of them cost 1.9 s of the main thread, however few were due.
   */
  private readonly toExpire = new ByExpiry<NotificationRecord>();
  private readonly toDelete = new ByExpiry<NotificationRecord>();

  /** @param perUser the newest records kept per user (retention.ts) */
  constructor(private readonly perUser = Infinity) {}

  async insertMany(records: readonly NotificationRecord[]): Promise<void> {
    for (const r of records) if (this.byId.has(r.id)) throw new HaatError('conflict', `notification ${r.id} exists`);
    for (const r of records) {
      const kept = copy(r);
      this.byId.set(kept.id, kept);
      const mine = this.byUser.get(kept.user_id);
      if (mine === undefined) this.byUser.set(kept.user_id, [kept]);
      else mine.push(kept);
      if (mine !== undefined && mine.length > this.perUser) this.byId.delete(mine.shift()!.id);
      this.toExpire.push(kept);
      this.toDelete.push(kept);
    }
    this.dropStale();
  }

  /** Whether `r` is still stored (not deleted by the per-user cap or a sweep). */
  private isLive(r: NotificationRecord): boolean {
    return this.byId.get(r.id) === r;
  }

  /** Deleted records wait in the heaps until their time; once they outnumber the live ones, they go (constant on average per record). */
  private dropStale(): void {
    const most = 2 * this.byId.size + 1024;
    if (this.toExpire.size > most) this.toExpire.rebuild((r) => this.isLive(r) && (r.status === 'queued' || r.status === 'delivered'));
    if (this.toDelete.size > most) this.toDelete.rebuild((r) => this.isLive(r));
  }

  async get(id: string): Promise<NotificationRecord | null> {
    const r = this.byId.get(id);
    return r ? copy(r) : null;
  }

  async setStatus(userId: string, id: string, status: 'delivered' | 'acked', at: number): Promise<NotificationRecord | null> {
    const r = this.byId.get(id);
    if (!r || r.user_id !== userId) return null;
    if (status === 'delivered' && r.status === 'queued') {
      r.status = 'delivered';
      r.delivered_at = at;
    } else if (status === 'acked' && (r.status === 'queued' || r.status === 'delivered')) {
      r.status = 'acked';
      r.acked_at = at;
      r.delivered_at ??= at;
    }
    return copy(r);
  }

  async listByUser(userId: string, filter: NotificationFilter = {}, page: PageRequest = {}): Promise<Page<NotificationRecord>> {
    const limit = clampLimit(page.limit);
    const mine = (this.byUser.get(userId) ?? []).filter((r) => filter.status === undefined || r.status === filter.status);
    const items = newestFirst(mine, decodeCursor(page.cursor, 2), limit);
    return pageOf(items.map(copy), limit, (r) => [r.created_at, r.id]);
  }

  async expireDue(now: number): Promise<number> {
    let n = 0;
    for (let r = this.toExpire.peek(); r !== undefined && r.expires_at <= now; r = this.toExpire.peek()) {
      this.toExpire.pop();
      if (this.isLive(r) && (r.status === 'queued' || r.status === 'delivered')) {
        r.status = 'expired';
        n++;
      }
    }
    return n;
  }

  /** Deletes what MongoDB's TTL index would: records NOTIFICATION_KEEP_MS past their expires_at. */
  sweep(now: number): number {
    const gone = new Set<string>();
    let n = 0;
    for (let r = this.toDelete.peek(); r !== undefined && r.expires_at + NOTIFICATION_KEEP_MS <= now; r = this.toDelete.peek()) {
      this.toDelete.pop();
      if (!this.isLive(r)) continue;
      this.byId.delete(r.id);
      gone.add(r.user_id);
      n++;
    }
    // Each user that lost records keeps the rest in their order.
    for (const user of gone) {
      const kept = this.byUser.get(user)!.filter((r) => this.isLive(r));
      if (kept.length === 0) this.byUser.delete(user);
      else this.byUser.set(user, kept);
    }
    this.dropStale();
    return n;
  }
}
