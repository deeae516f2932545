// The auction rules of PROTOCOL.md §7 as pure functions: no I/O, no clock of
// their own, amounts in whole paisa. The auction actor (actor.ts) serializes
// the calls and persists what they return.
import { toTaka, type Paisa } from '../commerce/money.ts';
import { toDhakaIso } from '../../time/clock.ts';
import { AgeOrderedMap } from '../../age-ordered-map.ts';

export interface AuctionSpec {
  id: string;
  product_id: string;
  title: string | null;
  starting: Paisa;
  increment: Paisa;
  /** Below it nobody wins (§7); null: no reserve. */
  reserve: Paisa | null;
  startsAt: number;
  /** The end as created; `Auction.endsAt` moves with soft close. */
  endsAt: number;
  softCloseMs: number;
  extendMs: number;
}

/** An accepted bid. */
export interface AcceptedBid {
  /** `bidder|client_bid_id`, or null when the bid carried none. */
  key: string | null;
  seq: number;
  amount: Paisa;
  bidder: string;
  /** The end after this bid. */
  endsAt: number;
  at: number;
}

/**
 * What is remembered of an accepted bid that carried a client_bid_id, to give
 * the first answer to a repeat: [key, seq, amount, endsAt, at], times in ms
 * after the auction's start. Each is saved as a state part of its own
 * (persisted.ts), written once: a tuple has no member names, and small
 * integers encode several times faster than epoch milliseconds in JSON.
 */
export type Remembered = [key: string, seq: number, amount: Paisa, endsAtRel: number, atRel: number];

export interface ClosedOutcome {
  winner: string | null;
  /** The highest bid, null when nobody bid. */
  amount: Paisa | null;
  bidCount: number;
  at: number;
}

export interface Auction extends AuctionSpec {
  /** The highest accepted bid; null before the first. */
  price: Paisa | null;
  leader: string | null;
  /** Accepted bids so far: the last `seq` given. */
  seq: number;
  closed: ClosedOutcome | null;
  /**
   * The accepted bids with a client_bid_id still remembered, by key, oldest
   * first (bounded by IdempotencyLimits). A map: a hot auction remembers
   * thousands, and a repeat is looked up on every keyed bid; age-ordered, so
   * that forgetting the oldest costs the same at any size. placeBid adds to
   * it in place (the auction actor owns it).
   */
  recent: AgeOrderedMap<string, Remembered>;
  createdAt: number;
}

export interface IdempotencyLimits {
  /** How long a `client_bid_id` is remembered. */
  ttlMs: number;
  /** And at most this many of an auction's newest accepted bids (config `commerce.bidIdempotencyMax`). */
  max: number;
}

export type AuctionStatus = 'scheduled' | 'open' | 'closed';

export type BidRefusal = { code: 'bid_too_low' | 'auction_not_open' | 'auction_closed'; message: string };

export type BidVerdict =
  | {
      kind: 'accepted';
      auction: Auction;
      bid: AcceptedBid;
      outbid: string | null;
      extended: boolean;
      /** What the auction now remembers of this bid (null: it carried no client_bid_id), and the seqs it forgot to make room. */
      remembered: Remembered | null;
      forgotten: number[];
    }
  | { kind: 'duplicate'; bid: AcceptedBid }
  | { kind: 'refused'; refusal: BidRefusal };

export interface BidInput {
  bidder: string;
  amount: Paisa;
  clientBidId: string | undefined;
}

export function newAuction(spec: AuctionSpec, now: number): Auction {
  return { ...spec, price: null, leader: null, seq: 0, closed: null, recent: new AgeOrderedMap(), createdAt: now };
}

/** Open while `starts_at <= now < ends_at` and not closed (§7). */
export function statusOf(a: Auction, now: number): AuctionStatus {
  if (a.closed !== null || now >= a.endsAt) return 'closed';
  return now < a.startsAt ? 'scheduled' : 'open';
}

/** The lowest amount the next bid may be: the starting price first, then the price plus the increment. */
export function minimumBid(a: Auction): Paisa {
  return a.price === null ? a.starting : a.price + a.increment;
}

export function bidKey(bidder: string, clientBidId: string | undefined): string | null {
  return clientBidId === undefined ? null : `${bidder}|${clientBidId}`;
}

/**
 * One bid against the auction at `now`. A repeated `client_bid_id` returns the
 * first answer whatever the auction's state; otherwise the auction must be
 * open and the amount at least minimumBid. An accepted bid in the last
 * `soft_close` moves the end to `ends_at + extend` (from the current end).
 */
export function placeBid(a: Auction, bid: BidInput, now: number, limits: IdempotencyLimits): BidVerdict {
  const key = bidKey(bid.bidder, bid.clientBidId);
  if (key !== null) {
    const first = a.recent.get(key);
    if (first) return { kind: 'duplicate', bid: { key, seq: first[1], amount: first[2], bidder: bid.bidder, endsAt: a.startsAt + first[3], at: a.startsAt + first[4] } };
  }
  const status = statusOf(a, now);
  if (status === 'scheduled') return { kind: 'refused', refusal: { code: 'auction_not_open', message: `auction ${a.id} opens at ${toDhakaIso(a.startsAt)}` } };
  if (status === 'closed') return { kind: 'refused', refusal: { code: 'auction_closed', message: `auction ${a.id} closed at ${toDhakaIso(a.closed?.at ?? a.endsAt)}` } };
  const min = minimumBid(a);
  if (bid.amount < min) {
    return { kind: 'refused', refusal: { code: 'bid_too_low', message: `the lowest acceptable bid is ${toTaka(min)} (current price ${a.price === null ? 'none' : toTaka(a.price)}, increment ${toTaka(a.increment)})` } };
  }
  const extended = a.softCloseMs > 0 && now >= a.endsAt - a.softCloseMs;
  const endsAt = extended ? a.endsAt + a.extendMs : a.endsAt;
  const seq = a.seq + 1;
  const accepted: AcceptedBid = { key, seq, amount: bid.amount, bidder: bid.bidder, endsAt, at: now };
  const outbid = a.leader !== null && a.leader !== bid.bidder ? a.leader : null;
  const remembered: Remembered | null = key === null ? null : [key, seq, bid.amount, endsAt - a.startsAt, now - a.startsAt];
  const forgotten = remembered === null ? [] : remember(a.recent, remembered, limits);
  const auction: Auction = { ...a, price: bid.amount, leader: bid.bidder, seq, endsAt };
  return { kind: 'accepted', auction, bid: accepted, outbid, extended, remembered, forgotten };
}

/** Adds `bid` to the remembered ones, first forgetting the oldest past the age or count limit; answers the seqs forgotten. */
function remember(recent: AgeOrderedMap<string, Remembered>, bid: Remembered, limits: IdempotencyLimits): number[] {
  const forgotten: number[] = [];
  for (let o = recent.oldest(); o !== undefined && (bid[4] - o[1][4] > limits.ttlMs || recent.size >= limits.max); o = recent.oldest()) {
    recent.dropOldest();
    forgotten.push(o[1][1]);
  }
  recent.set(bid[0], bid);
  return forgotten;
}

/**
 * Closes an auction whose end has come; undefined while it is still running
 * or already closed. Nobody wins when nobody bid or the reserve was not met.
 */
export function closeIfDue(a: Auction, now: number): { auction: Auction; outcome: ClosedOutcome } | undefined {
  if (a.closed !== null || now < a.endsAt) return undefined;
  const reserveMet = a.price !== null && (a.reserve === null || a.price >= a.reserve);
  const outcome: ClosedOutcome = { winner: reserveMet ? a.leader : null, amount: a.price, bidCount: a.seq, at: now };
  return { auction: { ...a, closed: outcome }, outcome };
}

/** `GET auctions/:id` and the answer to `POST auctions` (§7), plus `title`, `next_min_bid`, `reserve_met`, `winner_id`. */
export function auctionView(a: Auction, now: number): Record<string, unknown> {
  const status = statusOf(a, now);
  return {
    id: a.id,
    product_id: a.product_id,
    title: a.title,
    status,
    starting_price: toTaka(a.starting),
    min_increment: toTaka(a.increment),
    current_price: a.price === null ? null : toTaka(a.price),
    leader_id: a.leader,
    bid_count: a.seq,
    starts_at: toDhakaIso(a.startsAt),
    ends_at: toDhakaIso(a.endsAt),
    soft_close_s: a.softCloseMs / 1000,
    extend_s: a.extendMs / 1000,
    next_min_bid: status === 'closed' ? null : toTaka(minimumBid(a)),
    // The reserve itself stays secret (bidders would bid just that); whether it is met does not.
    reserve_met: a.reserve === null ? null : a.price !== null && a.price >= a.reserve,
    winner_id: a.closed?.winner ?? null,
  };
}

/** The `reply` to an accepted (or repeated) bid (§7). */
export function bidAnswer(b: AcceptedBid): { bid: { seq: number; amount: number; leading: true }; ends_at: string } {
  return { bid: { seq: b.seq, amount: toTaka(b.amount), leading: true }, ends_at: toDhakaIso(b.endsAt) };
}

/** `bid_placed` data (§7). */
export function bidPlacedData(a: Auction, b: AcceptedBid): Record<string, unknown> {
  return { auction_id: a.id, seq: b.seq, amount: toTaka(b.amount), bidder_id: b.bidder, ends_at: toDhakaIso(b.endsAt) };
}

/** `auction_closed` data (§7). */
export function auctionClosedData(a: Auction, o: ClosedOutcome): Record<string, unknown> {
  return { auction_id: a.id, winner_id: o.winner, amount: o.amount === null ? null : toTaka(o.amount), bid_count: o.bidCount };
}
