// What the memory store forgets, and when. MongoDB forgets through its TTL
// indexes; the memory store would otherwise keep every connection, event and
// notification record it was ever given, and a node on the default store
// would grow by every notification of a flash sale until it ran out of heap.
// So the memory store sweeps what the TTL indexes would delete, and, because
// a process's heap is much smaller than a database, it also keeps at most
// `notificationsPerUser` records per user and drops disconnected sessions
// sooner than MongoDB does.

export interface MemoryRetention {
  /** The newest records kept per user in `realtime_notifications` (the user actor keeps its own queue and history). */
  notificationsPerUser: number;
  /** How long a disconnected session's record is kept (MongoDB: a day). */
  disconnectedKeepMs: number;
  /** How often the store deletes what has outlived its time (MongoDB's TTL monitor runs every 60 s). */
  sweepMs: number;
}

export const DEFAULT_MEMORY_RETENTION: MemoryRetention = {
  notificationsPerUser: 100,
  disconnectedKeepMs: 60 * 60 * 1000,
  sweepMs: 60_000,
};

/** A collection that deletes, at `now`, the records past their time; answers how many it deleted. */
export interface Sweepable {
  sweep(now: number): number;
}
