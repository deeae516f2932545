// The checker must catch what it is there to catch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBids, checkReservations, type BidRecord, type ReserveRecord } from './linearizability.ts';

const RULES = { starting: 100, increment: 5 };
const bid = (inv: number, comp: number, amount: number, answer: BidRecord['answer']): BidRecord => ({ invokedAt: inv, completedAt: comp, amount, answer });

test('a linearizable bid history passes', () => {
  assert.deepEqual(
    checkBids([bid(0, 10, 100, { ok: true, seq: 1, amount: 100 }), bid(5, 20, 105, { ok: true, seq: 2, amount: 105 }), bid(1, 30, 104, { ok: false, code: 'bid_too_low' })], RULES),
    [],
  );
});

test('acknowledged-before-sent with a higher seq, non-increasing amounts and a wrong bid_too_low are caught', () => {
  assert.equal(checkBids([bid(0, 10, 100, { ok: true, seq: 2, amount: 105 }), bid(20, 30, 100, { ok: true, seq: 1, amount: 100 })], RULES).length, 1);
  assert.ok(checkBids([bid(0, 10, 100, { ok: true, seq: 1, amount: 100 }), bid(0, 10, 100, { ok: true, seq: 2, amount: 100 })], RULES).length >= 1);
  assert.equal(checkBids([bid(6, 10, 100, { ok: true, seq: 1, amount: 100 }), bid(11, 12, 100, { ok: false, code: 'bid_too_low' }), bid(0, 5, 100, { ok: false, code: 'bid_too_low' })], RULES).length, 1);
  assert.equal(checkBids([bid(0, 10, 100, { ok: true, seq: 1, amount: 100 }), bid(0, 10, 110, { ok: true, seq: 3, amount: 110 })], RULES).length, 1, 'a gap in seq');
});

const res = (inv: number, comp: number, answer: ReserveRecord['answer']): ReserveRecord => ({ invokedAt: inv, completedAt: comp, qty: 1, answer });

test('oversells, repeated ids and early sold_outs are caught', () => {
  assert.deepEqual(checkReservations([res(0, 5, { ok: true, id: 'a' }), res(1, 6, { ok: false, code: 'sold_out' })], 1), []);
  assert.equal(checkReservations([res(0, 5, { ok: true, id: 'a' }), res(1, 6, { ok: true, id: 'b' })], 1).length, 1);
  assert.equal(checkReservations([res(0, 5, { ok: true, id: 'a' }), res(1, 6, { ok: true, id: 'a' })], 2).length, 1);
  assert.equal(checkReservations([res(10, 15, { ok: true, id: 'a' }), res(1, 6, { ok: false, code: 'sold_out' })], 1).length, 1);
});
