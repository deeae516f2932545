// The MongoDB store (MONGO_URL), on the official driver. Indexes and TTL
// indexes are created at start, retried until the server answers; until then,
// and whenever a round trip finds no server, health is false and operations
// fail with `unavailable`.
import type { Logger } from 'pino';
import type { Db, IndexDescription } from 'mongodb';
import type { MongoStoreOptions, Store, StoreHealth } from '../store.ts';
import { MongoLink } from './mongo-link.ts';
import type { IdDoc } from './docs.ts';
import { WriteBatcher, type BatcherStats } from './write-batcher.ts';
import { MongoConnections, DISCONNECTED_KEEP_S } from './mongo-connections.ts';
import { MongoEvents } from './mongo-events.ts';
import { MongoPresence } from './mongo-presence.ts';
import { MongoChatRooms } from './mongo-chat-rooms.ts';
import { MongoNotifications } from './mongo-notifications.ts';

export const COLLECTIONS = {
  connections: 'connections',
  events: 'realtime_events',
  presence: 'user_presence',
  rooms: 'chat_rooms',
  messages: 'chat_messages',
  notifications: 'realtime_notifications',
} as const;

const INDEXES: Record<(typeof COLLECTIONS)[keyof typeof COLLECTIONS], IndexDescription[]> = {
  connections: [
    { key: { user_id: 1, status: 1 }, name: 'user_status' },
    { key: { node_id: 1, status: 1 }, name: 'node_status' },
    { key: { ttl_at: 1 }, name: 'ttl', expireAfterSeconds: DISCONNECTED_KEEP_S },
  ],
  realtime_events: [
    { key: { channel: 1, created_at: -1 }, name: 'channel_created' },
    { key: { ttl_at: 1 }, name: 'ttl', expireAfterSeconds: 0 },
  ],
  user_presence: [{ key: { status: 1 }, name: 'status' }],
  chat_rooms: [{ key: { 'participants.user_id': 1 }, name: 'participant' }],
  chat_messages: [
    { key: { room_id: 1, offset: 1 }, name: 'room_offset', unique: true },
    { key: { room_id: 1, idem: 1 }, name: 'room_idem', unique: true },
  ],
  realtime_notifications: [
    { key: { user_id: 1, created_at: -1 }, name: 'user_created' },
    { key: { user_id: 1, status: 1, created_at: -1 }, name: 'user_status_created' },
    { key: { status: 1, expires_at: 1 }, name: 'status_expires' },
    { key: { ttl_at: 1 }, name: 'ttl', expireAfterSeconds: 0 },
  ],
};

export interface MongoStore extends Store {
  readonly kind: 'mongodb';
  /** Resolves once the indexes exist (the store is usable before, reads may be slow). */
  readonly indexesCreated: Promise<void>;
  /** The database, for ops scripts and tests (the store's own writes go through its collections). */
  readonly db: Db;
  /** Round trips and ops of the batched hot-path writes. */
  batchStats(): { connections: BatcherStats; deliveryCounts: BatcherStats };
}

export function createMongoStore(opts: MongoStoreOptions, deps: { logger: Logger }): MongoStore {
  const logger = deps.logger.child({ mod: 'store' });
  const link = new MongoLink(opts.url, opts.dbName, opts.serverSelectionTimeoutMs ?? 5_000, logger);
  const flushMs = opts.flushMs ?? 20;
  const flushOps = opts.flushOps ?? 500;
  const coll = (name: string) => link.db.collection<IdDoc>(name);
  const connectionWrites = new WriteBatcher(coll(COLLECTIONS.connections), link, flushMs, flushOps);
  const countWrites = new WriteBatcher(coll(COLLECTIONS.events), link, flushMs, flushOps);
  let closed = false;
  let pingTimer: NodeJS.Timeout | undefined;
  const healthIntervalMs = opts.healthIntervalMs ?? 2_000;

  const createIndexes = async (): Promise<void> => {
    for (const [name, specs] of Object.entries(INDEXES)) {
      await link.run(`createIndexes ${name}`, () => coll(name).createIndexes(specs));
    }
    link.markIndexesReady();
    link.reachable();
    logger.info({ db: link.db.databaseName }, 'mongodb store: indexes ready');
  };
  // Retried until the server answers; each failure already set health false.
  const indexesCreated = new Promise<void>((resolve) => {
    const attempt = (): void => {
      if (closed) return;
      createIndexes().then(resolve, (err: Error) => {
        logger.warn({ err: err.message }, 'mongodb store: cannot create indexes yet; retrying');
        pingTimer = setTimeout(attempt, healthIntervalMs);
        pingTimer.unref();
      });
    };
    attempt();
  });
  // While idle, a ping keeps health honest (a failed ping turns it false).
  const ping = (): void => {
    if (closed) return;
    link
      .run('ping', () => link.db.command({ ping: 1 }))
      .catch((err: Error) => logger.debug({ err: err.message }, 'mongodb store: ping failed'))
      .finally(() => {
        if (closed) return;
        pingTimer = setTimeout(ping, healthIntervalMs);
        pingTimer.unref();
      });
  };
  void indexesCreated.then(() => {
    if (!closed) {
      pingTimer = setTimeout(ping, healthIntervalMs);
      pingTimer.unref();
    }
  });

  const flush = async (): Promise<void> => {
    await Promise.all([connectionWrites.flush(), countWrites.flush()]);
  };

  return {
    kind: 'mongodb',
    connections: new MongoConnections(coll(COLLECTIONS.connections), link, connectionWrites),
    events: new MongoEvents(coll(COLLECTIONS.events), link, countWrites),
    presence: new MongoPresence(coll(COLLECTIONS.presence), link),
    chatRooms: new MongoChatRooms(coll(COLLECTIONS.rooms), coll(COLLECTIONS.messages), link),
    notifications: new MongoNotifications(coll(COLLECTIONS.notifications), link),
    indexesCreated,
    db: link.db,
    health: (): StoreHealth => (closed ? { ok: false, detail: 'mongodb: closed' } : link.health()),
    batchStats: () => ({ connections: connectionWrites.stats, deliveryCounts: countWrites.stats }),
    flush,
    close: async () => {
      if (closed) return;
      try {
        await flush();
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'mongodb store: buffered writes lost at close');
      }
      closed = true;
      clearTimeout(pingTimer);
      await link.close();
    },
  };
}
