// Per-user rate limits across a user's connections (PROTOCOL.md §2). A user
// may hold connections of different rate classes at once (a phone session and
// a publisher token of the same account): each class has its own bucket, so
// a connection is held to the limit of its own role, whichever came first.
import { TokenBucket } from './token-bucket.ts';
import type { UserRates } from './user-rates.ts';

/** `server`: publisher and admin connections (server-side limits); `client`: everyone else. */
export type RateClass = 'client' | 'server';

export class UserRateLimits implements UserRates {
  // Most users hold one connection: no bucket (and no entry here) until a second.
  readonly fromSecondConnection = true;
  private readonly buckets = new Map<string, { bucket: TokenBucket; refs: number }>();

  /** The bucket shared by `userId`'s connections of class `cls`: twice one connection's rate, burst 4x. */
  acquire(userId: string, cls: RateClass, messagesPerSecond: number, now: number): TokenBucket {
    const key = `${cls}|${userId}`;
    const held = this.buckets.get(key);
    if (held) {
      held.refs++;
      return held.bucket;
    }
    const bucket = new TokenBucket(messagesPerSecond * 2, messagesPerSecond * 4, now);
    this.buckets.set(key, { bucket, refs: 1 });
    return bucket;
  }

  release(userId: string, cls: RateClass): void {
    const key = `${cls}|${userId}`;
    const held = this.buckets.get(key);
    if (held && --held.refs <= 0) this.buckets.delete(key);
  }

  settled(): Promise<void> {
    return Promise.resolve();
  }
}
