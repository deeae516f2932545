import type { Collection, Document } from 'mongodb';
import type { PresenceRecord, UserPresence } from '../user-presence.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import type { MongoLink } from './mongo-link.ts';
import { fromDoc, toDoc, type IdDoc } from './docs.ts';

export class MongoPresence implements UserPresence {
  constructor(
    private readonly coll: Collection<IdDoc>,
    private readonly link: MongoLink,
  ) {}

  async put(record: PresenceRecord): Promise<void> {
    await this.link.run('user_presence.put', () => this.coll.replaceOne({ _id: record.user_id }, toDoc(record.user_id, record), { upsert: true }));
  }

  async get(userId: string): Promise<PresenceRecord | null> {
    return fromDoc<PresenceRecord>(await this.link.run('user_presence.get', () => this.coll.findOne({ _id: userId })));
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, PresenceRecord>> {
    const docs = await this.link.run('user_presence.getMany', () => this.coll.find({ _id: { $in: [...userIds] } }).toArray());
    return new Map(docs.map((d) => [String(d._id), fromDoc<PresenceRecord>(d)!]));
  }

  async listNotOffline(page: PageRequest = {}): Promise<Page<PresenceRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor(page.cursor, 1)?.[0];
    const filter: Document = { status: { $ne: 'offline' } };
    if (after !== undefined) filter._id = { $gt: after };
    const docs = await this.link.run('user_presence.listNotOffline', () => this.coll.find(filter).sort({ _id: 1 }).limit(limit + 1).toArray());
    return pageOf(docs.map((d) => fromDoc<PresenceRecord>(d)!), limit, (r) => [r.user_id]);
  }
}
