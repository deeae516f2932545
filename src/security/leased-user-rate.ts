// Per-user rate limits shared by a cluster, with no engine round trip per
// frame. The user's bucket lives in the engine (CounterEngine, one key per
// user and rate class); each node where the user sends frames leases tokens
// from it in batches (takeUpTo) into a local pool that the per-frame path
// takes from synchronously. A lease is prefetched when the pool runs below
// half a batch, so a user under the limit never waits for one. A batch is a
// quarter of the burst: frames that arrive together (one read, one tick) can
// only be served from the pool, so it must hold a useful burst.
//
// Error bounds, for a user's rate R (tokens/s) and burst B over N nodes that
// the user sends frames on:
// - too few: a node holds at most 1.5 batches (3B/8) of leased tokens, for at
//   most holdMs (1 s) before they are dropped (no banking); tokens are only
//   stranded on a node the user stops sending on, at most that much each time.
//   A burst arriving in one tick gets at most the pool (B/8 to 3B/8) on a node.
// - too many: only while a node has no answer from the engine (the user's
//   first frames on it, until the first lease answers; or the engine
//   unreachable), when the node-local bucket of the single-node
//   implementation applies instead: at most one burst B per node, once per
//   bucket (while the user stays connected there), then rate R.
//   The per-connection bucket applies throughout.
import type { Logger } from 'pino';
import type { CounterEngine } from '../engines/counters.ts';
import { TokenBucket } from './token-bucket.ts';
import type { RateClass } from './user-rate.ts';
import type { RateBucket, UserRates } from './user-rates.ts';

export interface LeasedUserRatesDeps {
  counters: CounterEngine;
  logger: Logger;
  /** A batch is this share of the user's burst. Default 1/4. */
  batchShare?: number;
  /** Leased tokens not used for this long are dropped. Default 1000. */
  holdMs?: number;
  /** After a failed lease, the next is tried no sooner than this. Default 1000. */
  retryMs?: number;
}

type LeaseState = 'none' | 'ok' | 'failing';

export class LeasedBucket implements RateBucket {
  private pool = 0;
  private lastUsedAt = 0;
  private inFlight = false;
  private state: LeaseState = 'none';
  /** When the engine last had no token: the time one is due (ms, the caller's clock). */
  private emptyUntil = 0;
  private retryAt = 0;
  private readonly batch: number;
  private readonly fallback: TokenBucket;

  constructor(
    private readonly key: string,
    private readonly rate: number,
    private readonly burst: number,
    now: number,
    private readonly d: Required<Omit<LeasedUserRatesDeps, 'logger'>> & { logger: Logger },
    /** Leases of every bucket awaiting the engine (LeasedUserRates.settled). */
    private readonly inFlightLeases: Set<Promise<unknown>>,
  ) {
    this.batch = Math.max(1, Math.min(burst, Math.ceil(burst * d.batchShare)));
    this.fallback = new TokenBucket(rate, burst, now);
  }

  take(now: number): number {
    // Tokens idle this long are given up (the user went quiet on this node); a
    // user who keeps sending keeps its pool, however old the lease.
    const quiet = now - this.lastUsedAt > this.d.holdMs;
    if (this.pool >= 1 && quiet) this.pool = 0;
    if (this.pool >= 1) {
      this.pool--;
      this.lastUsedAt = now;
      if (this.pool < this.batch / 2) this.lease(now);
      return 0;
    }
    this.lease(now);
    // No answer from the engine yet, or it fails: this node's own bucket applies.
    if (this.state !== 'ok') return this.fallback.take(now);
    // Quiet here for longer than holdMs (its pool was just given up): the
    // shared bucket has refilled meanwhile, so, as for a first frame, this
    // node's own bucket serves this one frame until the new lease answers
    // (refusing it would refuse every user who pauses for a second).
    if (quiet) {
      this.lastUsedAt = now;
      return this.fallback.take(now);
    }
    return Math.max(1, this.emptyUntil > now ? this.emptyUntil - now : Math.ceil(1000 / this.rate));
  }

  private lease(now: number): void {
    if (this.inFlight || now < this.retryAt || now < this.emptyUntil) return;
    this.inFlight = true;
    const lease = this.d.counters.takeUpTo(this.key, this.rate, this.burst, this.batch).then(
      ({ taken, waitMs }) => {
        this.inFlight = false;
        if (this.state === 'failing') this.d.logger.info({ key: this.key }, 'user rate leases answered again');
        this.state = 'ok';
        if (taken > 0) {
          // The pool never holds more than a batch and a half: it is topped up only below half a batch.
          this.pool += taken;
          this.lastUsedAt = now;
          this.emptyUntil = 0;
        } else {
          this.emptyUntil = now + waitMs;
        }
      },
      (err: unknown) => {
        this.inFlight = false;
        if (this.state !== 'failing') this.d.logger.warn({ key: this.key, err: (err as Error).message }, 'user rate lease failed: node-local limit until the engine answers');
        this.state = 'failing';
        this.retryAt = now + this.d.retryMs;
      },
    );
    this.inFlightLeases.add(lease);
    void lease.finally(() => this.inFlightLeases.delete(lease));
  }
}

export class LeasedUserRates implements UserRates {
  readonly fromSecondConnection = false;
  private readonly inFlightLeases = new Set<Promise<unknown>>();
  private readonly buckets = new Map<string, { bucket: LeasedBucket; refs: number }>();
  private readonly opts: Required<Omit<LeasedUserRatesDeps, 'logger'>> & { logger: Logger };

  constructor(d: LeasedUserRatesDeps) {
    this.opts = { counters: d.counters, logger: d.logger, batchShare: d.batchShare ?? 0.25, holdMs: d.holdMs ?? 1000, retryMs: d.retryMs ?? 1000 };
  }

  acquire(userId: string, cls: RateClass, messagesPerSecond: number, now: number): RateBucket {
    const key = `user:${cls}:${userId}`;
    const held = this.buckets.get(key);
    if (held) {
      held.refs++;
      return held.bucket;
    }
    const bucket = new LeasedBucket(key, messagesPerSecond * 2, messagesPerSecond * 4, now, this.opts, this.inFlightLeases);
    this.buckets.set(key, { bucket, refs: 1 });
    return bucket;
  }

  release(userId: string, cls: RateClass): void {
    const key = `user:${cls}:${userId}`;
    const held = this.buckets.get(key);
    if (held && --held.refs <= 0) this.buckets.delete(key);
  }

  settled(): Promise<void> {
    return Promise.all(this.inFlightLeases).then(() => undefined);
  }
}
