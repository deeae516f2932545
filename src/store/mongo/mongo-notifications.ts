import type { Collection, Document } from 'mongodb';
import { NOTIFICATION_KEEP_MS, type NotificationFilter, type NotificationRecord, type RealtimeNotifications } from '../realtime-notifications.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import type { MongoLink } from './mongo-link.ts';
import { beforeKey, fromDoc, toDoc, type IdDoc } from './docs.ts';

export class MongoNotifications implements RealtimeNotifications {
  constructor(
    private readonly coll: Collection<IdDoc>,
    private readonly link: MongoLink,
  ) {}

  async insertMany(records: readonly NotificationRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.link.run('realtime_notifications.insertMany', () => this.coll.insertMany(records.map((r) => toDoc(r.id, r, r.expires_at + NOTIFICATION_KEEP_MS))));
  }

  async get(id: string): Promise<NotificationRecord | null> {
    return fromDoc<NotificationRecord>(await this.link.run('realtime_notifications.get', () => this.coll.findOne({ _id: id })));
  }

  async setStatus(userId: string, id: string, status: 'delivered' | 'acked', at: number): Promise<NotificationRecord | null> {
    const mine = { _id: id, user_id: userId };
    await this.link.run('realtime_notifications.setStatus', async () => {
      if (status === 'delivered') {
        await this.coll.updateOne({ ...mine, status: 'queued' }, { $set: { status: 'delivered', delivered_at: at } });
        return;
      }
      // Acked without a delivery on record: it was delivered by the time it was acked.
      const r = await this.coll.updateOne({ ...mine, status: 'queued' }, { $set: { status: 'acked', acked_at: at, delivered_at: at } });
      if (r.matchedCount === 0) await this.coll.updateOne({ ...mine, status: 'delivered' }, { $set: { status: 'acked', acked_at: at } });
    });
    return fromDoc<NotificationRecord>(await this.link.run('realtime_notifications.get', () => this.coll.findOne(mine)));
  }

  async listByUser(userId: string, filter: NotificationFilter = {}, page: PageRequest = {}): Promise<Page<NotificationRecord>> {
    const limit = clampLimit(page.limit);
    const query: Document = { user_id: userId, ...beforeKey(decodeCursor(page.cursor, 2)) };
    if (filter.status !== undefined) query.status = filter.status;
    const docs = await this.link.run('realtime_notifications.listByUser', () => this.coll.find(query).sort({ created_at: -1, _id: -1 }).limit(limit + 1).toArray());
    return pageOf(docs.map((d) => fromDoc<NotificationRecord>(d)!), limit, (r) => [r.created_at, r.id]);
  }

  async expireDue(now: number): Promise<number> {
    const r = await this.link.run('realtime_notifications.expireDue', () =>
      this.coll.updateMany({ status: { $in: ['queued', 'delivered'] }, expires_at: { $lte: now } }, { $set: { status: 'expired' } }),
    );
    return r.modifiedCount;
  }
}
