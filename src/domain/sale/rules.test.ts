import { test } from 'node:test';
import assert from 'node:assert/strict';
import { available, confirm, expireDue, forgetOld, newSale, nextExpiry, release, reserve, saleView, statusOf, type ReserveVerdict, type Sale, type SaleSpec } from './rules.ts';

const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);

function spec(over: Partial<SaleSpec> = {}): SaleSpec {
  return { id: 's1', title: null, startsAt: T0, endsAt: T0 + 3_600_000, perUserLimit: 2, holdMs: 60_000, skus: [{ sku: 'red', stock: 3, price: 99_900 }, { sku: 'blue', stock: 1, price: null }], ...over };
}

function reserved(v: ReserveVerdict): Extract<ReserveVerdict, { kind: 'reserved' }> {
  assert.equal(v.kind, 'reserved', JSON.stringify(v));
  return v as Extract<ReserveVerdict, { kind: 'reserved' }>;
}

function refused(v: ReserveVerdict): string {
  assert.equal(v.kind, 'refused', JSON.stringify(v));
  return (v as Extract<ReserveVerdict, { kind: 'refused' }>).refusal.code;
}

const r = (user: string, sku: string, qty = 1, clientReqId?: string) => ({ user, sku, qty, clientReqId });

test('checks run in the order of §8: sku, open, limit, stock', () => {
  const s = newSale(spec(), T0 - 10);
  assert.equal(refused(reserve(s, r('u1', 'green'), T0 - 5)), 'sale_not_found', 'an unknown sku first, even before the start');
  assert.equal(refused(reserve(s, r('u1', 'red', 5), T0 - 5)), 'sale_not_started', 'then not started, even over the limit');
  assert.equal(refused(reserve(s, r('u1', 'red', 5), T0 + 3_600_000)), 'sale_ended');
  assert.equal(refused(reserve(s, r('u1', 'blue', 3), T0)), 'limit_exceeded', 'the limit before stock');
  assert.equal(refused(reserve(s, r('u1', 'blue', 2), T0)), 'sold_out', 'within the limit, over the stock');
  assert.equal(statusOf(s, T0 - 1), 'scheduled');
  assert.equal(statusOf(s, T0), 'open');
  assert.equal(refused(reserve(s, r('u1', 'toString'), T0)), 'sale_not_found', 'no inherited members');
});

test('a reserve is all or nothing, and reserved + sold never passes stock', () => {
  let s: Sale = newSale(spec({ perUserLimit: 10 }), T0);
  s = reserved(reserve(s, r('u1', 'red', 2), T0)).sale;
  const before = JSON.stringify(s);
  assert.equal(refused(reserve(s, r('u2', 'red', 2), T0)), 'sold_out');
  assert.equal(refused(reserve(s, r('u1', 'red', 9), T0)), 'limit_exceeded');
  assert.equal(JSON.stringify(s), before, 'nothing changed');
  s = reserved(reserve(s, r('u2', 'red', 1), T0)).sale;
  assert.equal(available(s.skus.red!), 0);
  assert.equal(refused(reserve(s, r('u3', 'red', 1), T0)), 'sold_out');
});

test('held plus bought count against per_user_limit; a release or expiry gives the units back', () => {
  let s: Sale = newSale(spec(), T0);
  const a = reserved(reserve(s, r('u1', 'red', 1), T0));
  s = a.sale;
  const c = confirm(s, a.reservation.id, T0 + 1);
  assert.equal(c.kind, 'confirmed');
  s = (c as Extract<typeof c, { kind: 'confirmed' }>).sale;
  const b = reserved(reserve(s, r('u1', 'red', 1), T0 + 2));
  s = b.sale;
  assert.equal(refused(reserve(s, r('u1', 'blue', 1), T0 + 3)), 'limit_exceeded', 'one bought + one held = the limit of 2');
  const rel = release(s, 'u1', b.reservation.id, T0 + 4);
  assert.equal(rel.kind, 'released');
  s = (rel as Extract<typeof rel, { kind: 'released' }>).sale;
  assert.deepEqual(s.users.u1, { held: 0, bought: 1 });
  assert.deepEqual([s.skus.red!.reserved, s.skus.red!.sold, available(s.skus.red!)], [0, 1, 2]);
  s = reserved(reserve(s, r('u1', 'blue', 1), T0 + 5)).sale;
  assert.equal(nextExpiry(s), T0 + 5 + 60_000);
  assert.equal(expireDue(s, T0 + 5 + 59_999).expired.length, 0, 'not a millisecond early');
  const e = expireDue(s, T0 + 5 + 60_000);
  assert.deepEqual(e.expired.map((h) => h.sku), ['blue']);
  assert.equal(available(e.sale.skus.blue!), 1);
  assert.deepEqual(e.sale.users.u1, { held: 0, bought: 1 });
});

test('release after confirm is refused; release twice is ok; another user cannot release it', () => {
  let s: Sale = newSale(spec(), T0);
  const a = reserved(reserve(s, r('u1', 'red'), T0));
  s = a.sale;
  assert.deepEqual(release(s, 'u2', a.reservation.id, T0).kind, 'refused');
  const c = confirm(s, a.reservation.id, T0) as Extract<ReturnType<typeof confirm>, { kind: 'confirmed' }>;
  s = c.sale;
  const after = release(s, 'u1', a.reservation.id, T0);
  assert.equal(after.kind === 'refused' && after.refusal.code, 'conflict');
  assert.equal(confirm(s, a.reservation.id, T0).kind, 'already', 'confirming twice is ok');
  const b = reserved(reserve(s, r('u1', 'red'), T0));
  s = (release(b.sale, 'u1', b.reservation.id, T0) as Extract<ReturnType<typeof release>, { kind: 'released' }>).sale;
  assert.equal(release(s, 'u1', b.reservation.id, T0).kind, 'already');
  const late = confirm(s, b.reservation.id, T0);
  assert.equal(late.kind === 'refused' && late.refusal.code, 'conflict', 'a released hold cannot be confirmed');
  assert.equal(confirm(s, 'rsv_404', T0).kind === 'refused' && (confirm(s, 'rsv_404', T0) as { refusal: { code: string } }).refusal.code, 'not_found');
});

test('a repeated client_req_id returns the first answer; the key is per user', () => {
  let s: Sale = newSale(spec({ perUserLimit: 3 }), T0);
  const a = reserved(reserve(s, r('u1', 'red', 1, 'k1'), T0));
  s = a.sale;
  assert.deepEqual(reserve(s, r('u1', 'red', 1, 'k1'), T0 + 10), { kind: 'duplicate', reservation: a.reservation });
  const other = reserved(reserve(s, r('u2', 'red', 1, 'k1'), T0 + 10));
  assert.notEqual(other.reservation.id, a.reservation.id);
  // Remembered for the ttl, then forgotten (unless still held).
  s = (release(other.sale, 'u1', a.reservation.id, T0 + 20) as Extract<ReturnType<typeof release>, { kind: 'released' }>).sale;
  assert.deepEqual([...forgetOld(s, T0 + 1000, 500)], [a.reservation.id], "u1's answer and its released reservation (one reservation's records)");
  assert.equal(Object.keys(s.answers).length, 1, 'u2 still holds its reservation: kept');
  assert.deepEqual(Object.keys(s.finished), []);
});

test('the view of §8', () => {
  const s = reserved(reserve(newSale(spec(), T0), r('u1', 'red', 2), T0)).sale;
  assert.deepEqual(saleView(s, T0), {
    id: 's1',
    title: null,
    status: 'open',
    starts_at: '2026-11-24T21:00:00.000+06:00',
    ends_at: '2026-11-24T22:00:00.000+06:00',
    per_user_limit: 2,
    hold_s: 60,
    skus: [
      { sku: 'red', stock: 3, available: 1, reserved: 2, sold: 0, price: 999 },
      { sku: 'blue', stock: 1, available: 1, reserved: 0, sold: 0, price: null },
    ],
  });
});
