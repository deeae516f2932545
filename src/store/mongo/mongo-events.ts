import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import type { DeliveryStatus, RealtimeEventRecord, RealtimeEvents } from '../realtime-events.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import type { MongoLink } from './mongo-link.ts';
import type { WriteBatcher } from './write-batcher.ts';
import { beforeKey, fromDoc, toDoc, type IdDoc } from './docs.ts';

type Counts = { 'delivery.total': number; 'delivery.delivered': number; 'delivery.failed': number };

/** Inserts go straight out (a duplicate id must answer conflict); delivery counts are batched and summed per event. */
export class MongoEvents implements RealtimeEvents {
  constructor(
    private readonly coll: Collection<IdDoc>,
    private readonly link: MongoLink,
    private readonly counts: WriteBatcher,
  ) {}

  async insert(record: RealtimeEventRecord): Promise<void> {
    await this.link.run('realtime_events.insert', () => this.coll.insertOne(toDoc(record.id, record, record.expires_at)));
  }

  async get(id: string): Promise<RealtimeEventRecord | null> {
    await this.counts.flush();
    return fromDoc<RealtimeEventRecord>(await this.link.run('realtime_events.get', () => this.coll.findOne({ _id: id })));
  }

  addDelivery(id: string, delta: Partial<DeliveryStatus>): Promise<void> {
    const op = (c: Counts): AnyBulkWriteOperation<IdDoc> => ({ updateOne: { filter: { _id: id }, update: { $inc: c } } });
    const mine: Counts = { 'delivery.total': delta.total ?? 0, 'delivery.delivered': delta.delivered ?? 0, 'delivery.failed': delta.failed ?? 0 };
    return this.counts.add(id, op(mine), (previous) => {
      const prev = (previous as unknown as { updateOne: { update: { $inc: Counts } } }).updateOne.update.$inc;
      return op({
        'delivery.total': prev['delivery.total'] + mine['delivery.total'],
        'delivery.delivered': prev['delivery.delivered'] + mine['delivery.delivered'],
        'delivery.failed': prev['delivery.failed'] + mine['delivery.failed'],
      });
    });
  }

  async listByChannel(channel: string, page: PageRequest = {}): Promise<Page<RealtimeEventRecord>> {
    await this.counts.flush();
    const limit = clampLimit(page.limit);
    const filter = { channel, ...beforeKey(decodeCursor(page.cursor, 2)) };
    const docs = await this.link.run('realtime_events.listByChannel', () => this.coll.find(filter).sort({ created_at: -1, _id: -1 }).limit(limit + 1).toArray());
    return pageOf(docs.map((d) => fromDoc<RealtimeEventRecord>(d)!), limit, (r) => [r.created_at, r.id]);
  }
}
