// The system of record (DESIGN.md §1 "Store"): one interface per collection,
// summed here. Implementations: memory/ (the default) and mongo/ (MONGO_URL).
import type { Connections } from './connections.ts';
import type { RealtimeEvents } from './realtime-events.ts';
import type { UserPresence } from './user-presence.ts';
import type { ChatRooms } from './chat-rooms.ts';
import type { RealtimeNotifications } from './realtime-notifications.ts';
import type { MemoryRetention } from './memory/retention.ts';

export type StoreKind = 'memory' | 'mongodb';

export interface StoreHealth {
  ok: boolean;
  /** What GET health shows: "ok (...)" or why not. */
  detail: string;
}

export interface Store {
  readonly kind: StoreKind;
  readonly connections: Connections;
  readonly events: RealtimeEvents;
  readonly presence: UserPresence;
  readonly chatRooms: ChatRooms;
  readonly notifications: RealtimeNotifications;
  /** Synchronous, for GET health: the state the store last saw. */
  health(): StoreHealth;
  /** Writes buffered on hot paths reach the database (a no-op on memory). */
  flush(): Promise<void>;
  /** Flushes buffered writes and releases connections; the store is not used after. */
  close(): Promise<void>;
}

export interface MongoStoreOptions {
  url: string;
  /** Database name; default: the one in the URL, else "haat". */
  dbName?: string;
  /** Buffered hot-path writes are flushed after this many ms ... */
  flushMs?: number;
  /** ... or as soon as this many are buffered. */
  flushOps?: number;
  /** How long an operation waits for a reachable server before `unavailable`. */
  serverSelectionTimeoutMs?: number;
  /** How often the store pings while idle, to keep health true. */
  healthIntervalMs?: number;
}

export type StoreSpec = { kind: 'memory'; retention?: MemoryRetention } | ({ kind: 'mongodb' } & MongoStoreOptions);
