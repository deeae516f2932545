import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allParts, bidPart, coreOf, rememberedParts, restoreAuction, type SavedAuction } from './persisted.ts';
import { minimumBid, newAuction, placeBid, type Auction, type BidVerdict } from './rules.ts';

const T0 = Date.parse('2026-11-24T15:00:00Z');
const LIMITS = { ttlMs: 600_000, max: 3 };
const spec = { id: 'a1', product_id: 'p1', title: null, starting: 100_000, increment: 1_000, reserve: null, startsAt: T0, endsAt: T0 + 3_600_000, softCloseMs: 0, extendMs: 0 };
/** What the engine hands back: JSON text parsed again. */
const stored = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function accepted(v: BidVerdict): Extract<BidVerdict, { kind: 'accepted' }> {
  assert.equal(v.kind, 'accepted', JSON.stringify(v));
  return v as Extract<BidVerdict, { kind: 'accepted' }>;
}

test('an auction saved as its core and a part per remembered bid comes back as it was; forgotten bids drop their parts', () => {
  let a: Auction = newAuction(spec, T0);
  let parts: Record<string, unknown> = {};
  for (let i = 0; i < 5; i++) {
    const v = accepted(placeBid(a, { bidder: `u${i}`, amount: minimumBid(a), clientBidId: i === 2 ? undefined : `c${i}` }, T0 + i, LIMITS));
    a = v.auction;
    // As the engine applies them: null drops a part.
    for (const [name, value] of Object.entries(stored(rememberedParts(v.remembered, v.forgotten)))) {
      if (value === null) delete parts[name];
      else parts[name] = value;
    }
  }
  assert.deepEqual(Object.keys(parts).sort(), [bidPart(2), bidPart(4), bidPart(5)].sort(), 'the newest 3 keyed bids (seq 3 had no key)');
  const core = stored(coreOf(a));
  assert.equal('recent' in core, false, 'no remembered bid in the core');
  const back = restoreAuction(core, parts);
  assert.equal(back.whole, false);
  assert.deepEqual(stored({ ...back.auction, recent: [...back.auction.recent] }), stored({ ...a, recent: [...a.recent] }));
  const repeat = placeBid(back.auction, { bidder: 'u1', amount: 1, clientBidId: 'c1' }, T0 + 10, LIMITS);
  assert.equal(repeat.kind, 'duplicate', 'a remembered key answers its first answer after the restore');
});

test('an auction saved whole before parts is read, and asks for every part on its next save', () => {
  let a: Auction = newAuction(spec, T0);
  for (let i = 0; i < 2; i++) a = accepted(placeBid(a, { bidder: `u${i}`, amount: minimumBid(a), clientBidId: `c${i}` }, T0 + i, LIMITS)).auction;
  const before = stored({ ...coreOf(a), recentInParts: undefined, recent: [...a.recent.values()] }) as unknown as SavedAuction;
  const back = restoreAuction(before, {});
  assert.equal(back.whole, true);
  assert.deepEqual([...back.auction.recent.keys()], ['u0|c0', 'u1|c1']);
  assert.deepEqual(Object.keys(allParts(back.auction)), [bidPart(1), bidPart(2)]);
});
