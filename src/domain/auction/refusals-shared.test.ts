// The first refusals of keyed bids are remembered by all the auctions of a
// host thread together, under one bound (refusal-memory.ts): a thread with
// many busy auctions must not keep the bound once per auction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeActor } from '../../testkit/fake-context.ts';
import { auctionBehaviour } from './actor.ts';
import type { AuctionMessage } from './messages.ts';

const NOW = Date.parse('2026-12-08T15:00:00+06:00');
const START = NOW + 60_000;

test('refusals of several auctions share one bound: past it the oldest is judged anew, the newer ones still get their first answer', async () => {
  const behaviour = auctionBehaviour({ idempotency: { ttlMs: 900_000, max: 100 }, refusalsMax: 2, dedupeTtlMs: 900_000, idleMs: 300_000 });
  const actors = await Promise.all(['a1', 'a2', 'a3'].map((id) => fakeActor<unknown, AuctionMessage>(behaviour, `auction:${id}`, NOW)));
  for (const [i, a] of actors.entries()) {
    await a.handle({ type: 'create', spec: { id: `a${i + 1}`, product_id: 'p1', title: null, starting: 10_000, increment: 100, reserve: null, startsAt: START, endsAt: START + 3_600_000, softCloseMs: 0, extendMs: 0 } });
    await assert.rejects(a.handle({ type: 'bid', bidder: 'u1', amount: 10_000, client_bid_id: 'early' }), { code: 'auction_not_open' });
  }
  for (const a of actors) a.at(START + 1000);
  const [a1, a2, a3] = actors as [typeof actors[0], typeof actors[0], typeof actors[0]];
  const judgedAnew = (await a1.handle({ type: 'bid', bidder: 'u1', amount: 10_000, client_bid_id: 'early' })) as { bid: { seq: number } };
  assert.equal(judgedAnew.bid.seq, 1, 'a1 remembered the oldest refusal of the three: forgotten, so the repeat is judged now that the auction is open');
  await assert.rejects(a2.handle({ type: 'bid', bidder: 'u1', amount: 10_000, client_bid_id: 'early' }), { code: 'auction_not_open' });
  await assert.rejects(a3.handle({ type: 'bid', bidder: 'u1', amount: 10_000, client_bid_id: 'early' }), { code: 'auction_not_open' });
});
