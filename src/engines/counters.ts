// Counters, cluster-wide limits and rate buckets (the seed's RATE_LIMIT,
// USER_CONNECTIONS and REALTIME_STATS keys in the redis engine).

export interface CounterEngine {
  /** Adds `by` (may be negative) and returns the new value; the key expires ttlMs after its last change. */
  add(key: string, by: number, ttlMs: number): Promise<number>;
  get(key: string): Promise<number>;
  /**
   * Token bucket: takes one token and answers 0, or answers how many ms to
   * wait for one (nothing taken). `rate` tokens per second, at most `burst`.
   */
  take(key: string, rate: number, burst: number): Promise<number>;
  /**
   * The same bucket, in batches (a node leasing a user's tokens for its local
   * bucket): takes up to `want` whole tokens and answers how many; when it
   * took none, `waitMs` is how long until one is available (else 0).
   */
  takeUpTo(key: string, rate: number, burst: number, want: number): Promise<{ taken: number; waitMs: number }>;
}
