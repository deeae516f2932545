// Per-user rate limits across a user's connections (PROTOCOL.md §2): the
// interface the gateway uses. user-rate.ts counts in this process (one node);
// leased-user-rate.ts shares each user's bucket across a cluster.
import type { RateClass } from './user-rate.ts';

/** What the per-frame path calls: synchronous, no engine round trip. */
export interface RateBucket {
  /** Takes one token; 0 when allowed, else the ms until one is available. */
  take(now: number): number;
}

export interface UserRates {
  /**
   * True when a user's bucket only matters once the user holds two
   * connections on this node: one connection is held by its own bucket
   * (rate R, burst 2R), stricter than the user's (2R, 4R). The gateway then
   * acquires the user's bucket on the second connection. False for a bucket
   * shared across nodes, which each connection must take from.
   */
  readonly fromSecondConnection: boolean;
  /** The bucket shared by `userId`'s connections of class `cls` (twice one connection's rate, burst 4x). */
  acquire(userId: string, cls: RateClass, messagesPerSecond: number, now: number): RateBucket;
  release(userId: string, cls: RateClass): void;
  /** Resolves once no engine answer is awaited (a cluster's leases in flight); at once for counts kept in this process. */
  settled(): Promise<void>;
}
