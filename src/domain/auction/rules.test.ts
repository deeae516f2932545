import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auctionView, bidAnswer, closeIfDue, minimumBid, newAuction, placeBid, statusOf, type Auction, type AuctionSpec, type BidVerdict } from './rules.ts';

const T0 = Date.UTC(2026, 10, 24, 15, 0, 0); // 21:00 in Dhaka
const LIMITS = { ttlMs: 600_000, max: 4 };

function spec(over: Partial<AuctionSpec> = {}): AuctionSpec {
  return { id: 'a1', product_id: 'p1', title: null, starting: 100_000, increment: 5_000, reserve: null, startsAt: T0, endsAt: T0 + 60_000, softCloseMs: 10_000, extendMs: 15_000, ...over };
}

function accepted(v: BidVerdict): Extract<BidVerdict, { kind: 'accepted' }> {
  assert.equal(v.kind, 'accepted', JSON.stringify(v));
  return v as Extract<BidVerdict, { kind: 'accepted' }>;
}

function refusal(v: BidVerdict): string {
  assert.equal(v.kind, 'refused', JSON.stringify(v));
  return (v as Extract<BidVerdict, { kind: 'refused' }>).refusal.code;
}

test('open while starts_at <= now < ends_at', () => {
  const a = newAuction(spec(), T0 - 1000);
  assert.equal(statusOf(a, T0 - 1), 'scheduled');
  assert.equal(statusOf(a, T0), 'open');
  assert.equal(statusOf(a, T0 + 59_999), 'open');
  assert.equal(statusOf(a, T0 + 60_000), 'closed');
  assert.equal(refusal(placeBid(a, { bidder: 'u1', amount: 100_000, clientBidId: undefined }, T0 - 1, LIMITS)), 'auction_not_open');
  assert.equal(refusal(placeBid(a, { bidder: 'u1', amount: 100_000, clientBidId: undefined }, T0 + 60_000, LIMITS)), 'auction_closed');
});

test('the first bid is at least the starting price, every later one at least the price plus the increment', () => {
  let a = newAuction(spec(), T0);
  assert.equal(refusal(placeBid(a, { bidder: 'u1', amount: 99_999, clientBidId: undefined }, T0, LIMITS)), 'bid_too_low');
  a = accepted(placeBid(a, { bidder: 'u1', amount: 100_000, clientBidId: undefined }, T0, LIMITS)).auction;
  assert.equal(minimumBid(a), 105_000);
  assert.equal(refusal(placeBid(a, { bidder: 'u2', amount: 104_999, clientBidId: undefined }, T0, LIMITS)), 'bid_too_low');
  const v = accepted(placeBid(a, { bidder: 'u2', amount: 105_000, clientBidId: undefined }, T0 + 1, LIMITS));
  assert.deepEqual([v.bid.seq, v.auction.price, v.auction.leader, v.outbid], [2, 105_000, 'u2', 'u1']);
});

test('paisa arithmetic: 1350.10 then + 0.20 is exactly 1350.30', () => {
  let a = newAuction(spec({ starting: 135_010, increment: 20 }), T0);
  a = accepted(placeBid(a, { bidder: 'u1', amount: 135_010, clientBidId: undefined }, T0, LIMITS)).auction;
  const v = accepted(placeBid(a, { bidder: 'u2', amount: 135_030, clientBidId: undefined }, T0, LIMITS));
  assert.equal(bidAnswer(v.bid).bid.amount, 1350.3);
  assert.equal(auctionView(v.auction, T0).current_price, 1350.3);
});

test('soft close extends from the current end, not from the bid time', () => {
  let a = newAuction(spec(), T0);
  const early = accepted(placeBid(a, { bidder: 'u1', amount: 100_000, clientBidId: undefined }, T0 + 49_999, LIMITS));
  assert.equal(early.extended, false);
  a = early.auction;
  const late = accepted(placeBid(a, { bidder: 'u2', amount: 105_000, clientBidId: undefined }, T0 + 50_000, LIMITS));
  assert.equal(late.extended, true);
  assert.equal(late.auction.endsAt, T0 + 75_000);
  // Now the window is the last 10 s before 75 s: a bid at 64.9 s does not extend, at 65 s it does (to 90 s).
  const mid = accepted(placeBid(late.auction, { bidder: 'u1', amount: 110_000, clientBidId: undefined }, T0 + 64_999, LIMITS));
  assert.equal(mid.auction.endsAt, T0 + 75_000);
  const again = accepted(placeBid(mid.auction, { bidder: 'u2', amount: 115_000, clientBidId: undefined }, T0 + 65_000, LIMITS));
  assert.equal(again.auction.endsAt, T0 + 90_000);
  assert.equal(bidAnswer(again.bid).ends_at, '2026-11-24T21:01:30.000+06:00');
});

test('a repeated client_bid_id returns the first answer, even after the auction closed', () => {
  let a = newAuction(spec({ softCloseMs: 0 }), T0);
  const first = accepted(placeBid(a, { bidder: 'u1', amount: 100_000, clientBidId: 'b-1' }, T0, LIMITS));
  a = first.auction;
  const again = placeBid(a, { bidder: 'u1', amount: 100_000, clientBidId: 'b-1' }, T0 + 5, LIMITS);
  assert.deepEqual(again, { kind: 'duplicate', bid: first.bid });
  // The same id from another bidder is another bid.
  assert.equal(refusal(placeBid(a, { bidder: 'u2', amount: 100_000, clientBidId: 'b-1' }, T0 + 5, LIMITS)), 'bid_too_low');
  const closed = closeIfDue(a, T0 + 60_000)!.auction;
  assert.deepEqual(placeBid(closed, { bidder: 'u1', amount: 1, clientBidId: 'b-1' }, T0 + 70_000, LIMITS), { kind: 'duplicate', bid: first.bid });
});

test('idempotency records are bounded by count and age; a forgotten retry can never be accepted twice', () => {
  let a: Auction = newAuction(spec({ softCloseMs: 0, endsAt: T0 + 3_600_000 }), T0);
  const firsts = [];
  for (let i = 0; i < 6; i++) {
    const v = accepted(placeBid(a, { bidder: `u${i}`, amount: minimumBid(a), clientBidId: `c${i}` }, T0 + i, LIMITS));
    firsts.push(v.bid);
    a = v.auction;
  }
  assert.deepEqual([...a.recent.values()].map((r) => r[1]), [3, 4, 5, 6], 'the newest LIMITS.max');
  // c0 is forgotten: its retry is judged again and, the price having moved past it, refused.
  assert.equal(refusal(placeBid(a, { bidder: 'u0', amount: firsts[0]!.amount, clientBidId: 'c0' }, T0 + 10, LIMITS)), 'bid_too_low');
  const later = accepted(placeBid(a, { bidder: 'u9', amount: minimumBid(a), clientBidId: 'c9' }, T0 + 600_010, LIMITS));
  assert.deepEqual([...later.auction.recent.values()].map((r) => r[1]), [7], 'older than the ttl: forgotten');
  const unkeyed = accepted(placeBid(later.auction, { bidder: 'u9', amount: minimumBid(later.auction), clientBidId: undefined }, T0 + 600_020, LIMITS));
  assert.deepEqual([...unkeyed.auction.recent.values()].map((r) => r[1]), [7], 'a bid without client_bid_id cannot be repeated: nothing to remember');
});

test('the close: the leader wins when the reserve is met; nobody when it is not or nobody bid', () => {
  const none = closeIfDue(newAuction(spec(), T0), T0 + 60_000)!;
  assert.deepEqual([none.outcome.winner, none.outcome.amount, none.outcome.bidCount], [null, null, 0]);
  let a = newAuction(spec({ reserve: 120_000, softCloseMs: 0 }), T0);
  a = accepted(placeBid(a, { bidder: 'u1', amount: 100_000, clientBidId: undefined }, T0, LIMITS)).auction;
  assert.equal(closeIfDue(a, T0 + 59_999), undefined, 'not before the end');
  const unmet = closeIfDue(a, T0 + 60_000)!;
  assert.deepEqual([unmet.outcome.winner, unmet.outcome.amount, unmet.outcome.bidCount], [null, 100_000, 1]);
  assert.equal(auctionView(a, T0).reserve_met, false);
  a = accepted(placeBid(a, { bidder: 'u2', amount: 120_000, clientBidId: undefined }, T0 + 1, LIMITS)).auction;
  const met = closeIfDue(a, T0 + 60_000)!;
  assert.deepEqual([met.outcome.winner, met.outcome.amount, met.outcome.bidCount], ['u2', 120_000, 2]);
  assert.equal(closeIfDue(met.auction, T0 + 70_000), undefined, 'closes once');
  assert.equal(auctionView(met.auction, T0 + 70_000).status, 'closed');
});
