// The first answer to a keyed request that was refused: a repeat of the same
// client_bid_id or client_req_id gets it again (PROTOCOL.md §7, §8: "Repeating
// ... returns the first answer"), not a new verdict: a reserve refused
// sold_out stays refused when a unit comes back, a bid sent before the start
// stays auction_not_open. Kept in the host thread's memory only, bounded by
// the idempotency window and a count. Saving every refusal would turn the
// cheapest answer of a flash sale (sold_out, nearly every press of a race)
// into a durable write, so a repeat that reaches the actor after it was
// taken over is judged again (README "Auctions and flash sales").
//
// One memory serves every actor of a kind on a host thread (each actor is a
// scope), and the count bounds them all together. Bounded per actor, a
// thread with a thousand busy auctions kept a thousand times the bound: at
// 10,000 bids/s it grew by about 2 MB a second for the whole window.
import { AgeOrderedMap } from '../../age-ordered-map.ts';

export class RefusalMemory<R> {
  /** Age order is insertion order: the oldest are forgotten first. */
  private readonly byKey = new AgeOrderedMap<string, { refusal: R; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  /** The refusal first given to `key` in `scope` (an actor), while remembered. */
  get(scope: string, key: string, now: number): R | undefined {
    if (this.byKey.size === 0) return undefined;
    const k = scopedKey(scope, key);
    const e = this.byKey.get(k);
    if (e === undefined) return undefined;
    if (now - e.at <= this.ttlMs) return e.refusal;
    this.byKey.delete(k);
    return undefined;
  }

  remember(scope: string, key: string, refusal: R, now: number): void {
    for (let o = this.byKey.oldest(); o !== undefined && (now - o[1].at > this.ttlMs || this.byKey.size >= this.max); o = this.byKey.oldest()) this.byKey.dropOldest();
    this.byKey.set(scopedKey(scope, key), { refusal, at: now });
  }

  get size(): number {
    return this.byKey.size;
  }
}

/** Actor addresses hold no NUL (auction and sale ids are [A-Za-z0-9_.-]), so the first NUL ends the scope: no two pairs share a key. */
function scopedKey(scope: string, key: string): string {
  return `${scope}\u0000${key}`;
}
