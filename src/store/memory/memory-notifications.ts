import { HaatError } from '../../errors.ts';
import type { NotificationFilter, NotificationRecord, RealtimeNotifications } from '../realtime-notifications.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import { newestFirst } from './order.ts';

export class MemoryNotifications implements RealtimeNotifications {
  private readonly byId = new Map<string, NotificationRecord>();

  async insertMany(records: readonly NotificationRecord[]): Promise<void> {
    for (const r of records) if (this.byId.has(r.id)) throw new HaatError('conflict', `notification ${r.id} exists`);
    for (const r of records) this.byId.set(r.id, structuredClone(r));
  }

  async get(id: string): Promise<NotificationRecord | null> {
    const r = this.byId.get(id);
    return r ? structuredClone(r) : null;
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
    return structuredClone(r);
  }

  async listByUser(userId: string, filter: NotificationFilter = {}, page: PageRequest = {}): Promise<Page<NotificationRecord>> {
    const limit = clampLimit(page.limit);
    const mine = [...this.byId.values()].filter((r) => r.user_id === userId && (filter.status === undefined || r.status === filter.status));
    const items = newestFirst(mine, decodeCursor(page.cursor, 2), limit);
    return pageOf(items.map((r) => structuredClone(r)), limit, (r) => [r.created_at, r.id]);
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
}
