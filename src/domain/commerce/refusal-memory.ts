// The first answer to a keyed request that was refused: a repeat of the same
// client_bid_id or client_req_id gets it again (PROTOCOL.md §7, §8: "Repeating
// ... returns the first answer"), not a new verdict: a reserve refused
// sold_out stays refused when a unit comes back, a bid sent before the start
// stays auction_not_open. Kept in the actor's memory only, bounded by the
// idempotency window and a count. Saving every refusal would turn the
// cheapest answer of a flash sale (sold_out, nearly every press of a race)
// into a durable write, so a repeat that reaches the actor after it was
// passivated or taken over is judged again (README "Auctions and flash sales").

export class RefusalMemory<R> {
  /** Insertion order is age order: the oldest are forgotten first. */
  private readonly byKey = new Map<string, { refusal: R; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  /** The refusal first given to `key`, while remembered. */
  get(key: string, now: number): R | undefined {
    const e = this.byKey.get(key);
    if (e === undefined) return undefined;
    if (now - e.at <= this.ttlMs) return e.refusal;
    this.byKey.delete(key);
    return undefined;
  }

  remember(key: string, refusal: R, now: number): void {
    for (const [k, e] of this.byKey) {
      if (now - e.at <= this.ttlMs && this.byKey.size < this.max) break;
      this.byKey.delete(k);
    }
    this.byKey.set(key, { refusal, at: now });
  }

  get size(): number {
    return this.byKey.size;
  }
}
