import { HaatError } from '../../errors.ts';
import { NOTIFICATION_KEEP_MS, type NotificationFilter, type NotificationRecord, type RealtimeNotifications } from '../realtime-notifications.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import { newestFirst } from './order.ts';
import type { Sweepable } from './retention.ts';

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
    }
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
    for (const r of this.byId.values()) {
      if ((r.status === 'queued' || r.status === 'delivered') && r.expires_at <= now) {
        r.status = 'expired';
        n++;
      }
    }
    return n;
  }

  /** Deletes what MongoDB's TTL index would: records NOTIFICATION_KEEP_MS past their expires_at. */
  sweep(now: number): number {
    let n = 0;
    for (const [user, mine] of this.byUser) {
      const kept: NotificationRecord[] = [];
      for (const r of mine) {
        if (r.expires_at + NOTIFICATION_KEEP_MS > now) kept.push(r);
        else this.byId.delete(r.id);
      }
      if (kept.length === mine.length) continue;
      n += mine.length - kept.length;
      if (kept.length === 0) this.byUser.delete(user);
      else this.byUser.set(user, kept);
    }
    return n;
  }
}
