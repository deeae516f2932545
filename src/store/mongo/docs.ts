// Records are stored as they are, with `_id` set to their id and, where a TTL
// index removes them, a BSON date in `ttl_at` (TTL indexes need a date).
import type { Document } from 'mongodb';

/** A stored document: our ids are strings, never ObjectIds. */
export interface IdDoc extends Document {
  _id: string;
}

export function toDoc<T extends object>(id: string, record: T, ttlAt?: number | null): IdDoc {
  const doc: IdDoc = { _id: id, ...record };
  if (ttlAt !== undefined && ttlAt !== null) doc.ttl_at = new Date(ttlAt);
  return doc;
}

export function fromDoc<T>(doc: Document | null): T | null {
  if (doc === null) return null;
  const { _id: _ignored, ttl_at: _ttl, ...rest } = doc;
  return rest as T;
}

/** `(created_at, id)` strictly before the cursor, for newest-first lists. */
export function beforeKey(cursor: readonly (string | number)[] | null): Document {
  if (!cursor) return {};
  const [at, id] = cursor as [number, string];
  return { $or: [{ created_at: { $lt: at } }, { created_at: at, _id: { $lt: id } }] };
}
