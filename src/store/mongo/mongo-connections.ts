import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import type { ConnectionQuality, ConnectionRecord, Connections } from '../connections.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import type { MongoLink } from './mongo-link.ts';
import type { WriteBatcher } from './write-batcher.ts';
import { fromDoc, toDoc, type IdDoc } from './docs.ts';

/** Disconnected sessions are kept this long, then the TTL index removes them. */
export const DISCONNECTED_KEEP_S = 24 * 60 * 60;

/** Every write goes through the batcher (in order), every read flushes it first. */
export class MongoConnections implements Connections {
  constructor(
    private readonly coll: Collection<IdDoc>,
    private readonly link: MongoLink,
    private readonly writes: WriteBatcher,
  ) {}

  upsert(record: ConnectionRecord): Promise<void> {
    const doc = toDoc(record.session_id, record, record.status === 'disconnected' ? record.disconnected_at : null);
    return this.writes.add(record.session_id, { replaceOne: { filter: { _id: record.session_id }, replacement: doc, upsert: true } });
  }

  touch(sessionId: string, at: number, quality?: ConnectionQuality): Promise<void> {
    const op = (lastActivity: number, q: ConnectionQuality | undefined): AnyBulkWriteOperation<IdDoc> => ({
      updateOne: { filter: { _id: sessionId }, update: q ? { $max: { last_activity: lastActivity }, $set: { quality: q } } : { $max: { last_activity: lastActivity } } },
    });
    return this.writes.add(sessionId, op(at, quality), (previous) => {
      const prev = (previous as unknown as { updateOne: { update: { $max: { last_activity: number }; $set?: { quality: ConnectionQuality } } } }).updateOne.update;
      return op(Math.max(prev.$max.last_activity, at), quality ?? prev.$set?.quality);
    });
  }

  setChannels(sessionId: string, channels: readonly string[]): Promise<void> {
    return this.writes.add(sessionId, { updateOne: { filter: { _id: sessionId }, update: { $set: { channels: [...channels] } } } });
  }

  disconnect(sessionId: string, at: number): Promise<void> {
    return this.writes.add(sessionId, {
      updateOne: { filter: { _id: sessionId }, update: { $set: { status: 'disconnected', disconnected_at: at, ttl_at: new Date(at) } } },
    });
  }

  async get(sessionId: string): Promise<ConnectionRecord | null> {
    await this.writes.flush();
    return fromDoc<ConnectionRecord>(await this.link.run('connections.get', () => this.coll.findOne({ _id: sessionId })));
  }

  async listConnectedByUser(userId: string): Promise<ConnectionRecord[]> {
    await this.writes.flush();
    const docs = await this.link.run('connections.listConnectedByUser', () => this.coll.find({ user_id: userId, status: 'connected' }).sort({ connected_at: 1, _id: 1 }).toArray());
    return docs.map((d) => fromDoc<ConnectionRecord>(d)!);
  }

  async listConnectedByNode(nodeId: string, page: PageRequest = {}): Promise<Page<ConnectionRecord>> {
    await this.writes.flush();
    const limit = clampLimit(page.limit);
    const after = decodeCursor(page.cursor, 1)?.[0];
    const filter: Document = { node_id: nodeId, status: 'connected' };
    if (after !== undefined) filter._id = { $gt: after };
    const docs = await this.link.run('connections.listConnectedByNode', () => this.coll.find(filter).sort({ _id: 1 }).limit(limit + 1).toArray());
    return pageOf(docs.map((d) => fromDoc<ConnectionRecord>(d)!), limit, (r) => [r.session_id]);
  }
}
