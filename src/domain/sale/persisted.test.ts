import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allReservationIds, coreOf, isCore, reservationParts, restoreSale, withKeys } from './persisted.ts';
import { confirm, expireDue, forgetOld, newSale, release, reserve, type ReserveVerdict, type Sale } from './rules.ts';
import { isoIn, restClient } from '../../testkit/commerce.ts';
import { passivatedAt } from '../../testkit/actors.ts';
import { connectAs, startTestNode, token } from '../../testkit/node.ts';

const T0 = Date.parse('2026-11-24T15:00:00Z');
const HOLD_MS = 60_000;

/** What the engine hands back: JSON text parsed again. */
const stored = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function reservedId(v: ReserveVerdict): string {
  assert.equal(v.kind, 'reserved', JSON.stringify(v));
  return (v as Extract<ReserveVerdict, { kind: 'reserved' }>).reservation.id;
}

/** A sale with every kind of record: held, confirmed, released, expired, answers kept and forgotten, a key reserved again. */
function busySale(): Sale {
  const s = newSale({ id: 's1', title: null, startsAt: T0 - 1000, endsAt: T0 + 3_600_000, perUserLimit: 3, holdMs: HOLD_MS, skus: [{ sku: 'red', stock: 10, price: 99_900 }, { sku: 'blue', stock: 5, price: null }] }, T0);
  const r = (user: string, sku: string, key?: string) => ({ user, sku, qty: 1, clientReqId: key });
  const kept = reservedId(reserve(s, r('u1', 'red', 'k1'), T0));
  const bought = reservedId(reserve(s, r('u1', 'blue', 'k2'), T0));
  const released = reservedId(reserve(s, r('u2', 'red', 'k1'), T0));
  reservedId(reserve(s, r('u3', 'red'), T0));
  const forgottenKey = reservedId(reserve(s, r('u4', 'blue', 'k9'), T0));
  assert.equal(confirm(s, bought, T0 + 10).kind, 'confirmed');
  assert.equal(release(s, 'u2', released, T0 + 20).kind, 'released');
  assert.equal(confirm(s, forgottenKey, T0 + 30).kind, 'confirmed');
  // Later: the answers of the first minute are forgotten (not the held ones), then u4 reserves with k9 again.
  const later = T0 + HOLD_MS / 2;
  assert.ok(forgetOld(s, later, 1000).size > 0);
  reservedId(reserve(s, r('u4', 'blue', 'k9'), later));
  // The first holds expire.
  assert.ok(expireDue(s, T0 + HOLD_MS).expired.length > 0);
  reservedId(reserve(s, r('u5', 'red', 'k1'), T0 + HOLD_MS));
  assert.ok(Object.hasOwn(s.holds, `rsv_${s.made}`) && kept !== `rsv_${s.made}`);
  return s;
}

/**
 * The sale as restoring it gives it back: per-user figures of zero are not
 * kept (absent counts as zero). As JSON: the records are dictionaries without
 * a prototype (dict.ts), which deepEqual would tell from plain objects.
 */
function normalized(s: Sale): Sale {
  const users = Object.fromEntries(Object.entries(s.users).filter(([, u]) => u.held !== 0 || u.bought !== 0));
  return stored({ ...s, users });
}

test('a sale saved as its core and one part per reservation comes back as it was', () => {
  const s = busySale();
  const core = stored(coreOf(s));
  assert.ok(isCore(core));
  assert.equal(JSON.stringify(core).includes('rsv_'), false, 'no reservation in the core');
  const parts = stored(reservationParts(s, allReservationIds(s)));
  assert.equal(Object.keys(parts).length, Object.keys(s.holds).length + Object.keys(s.finished).length);
  assert.deepEqual(stored(restoreSale(core, parts)), normalized(s));
});

test('a sale restored from JSON keeps SKUs and users named __proto__ or constructor as its own keys', () => {
  const s = newSale({ id: 's2', title: null, startsAt: T0 - 1000, endsAt: T0 + 3_600_000, perUserLimit: 1, holdMs: HOLD_MS, skus: [{ sku: '__proto__', stock: 2, price: null }] }, T0);
  reservedId(reserve(s, { user: 'constructor', sku: '__proto__', qty: 1, clientReqId: 'k' }, T0));
  const back = restoreSale(stored(coreOf(s)), stored(reservationParts(s, allReservationIds(s))));
  assert.deepEqual(Object.keys(back.skus), ['__proto__']);
  assert.deepEqual(back.users.constructor, { held: 1, bought: 0 });
  assert.equal(reserve(back, { user: 'constructor', sku: '__proto__', qty: 1, clientReqId: undefined }, T0).kind, 'refused', 'the limit of 1 holds after a restore');
  const whole = withKeys(stored(s));
  assert.deepEqual(Object.keys(whole.skus), ['__proto__'], 'a sale saved whole');
  assert.equal(reserve(whole, { user: 'constructor', sku: '__proto__', qty: 1, clientReqId: undefined }, T0).kind, 'refused');
});

test('parts of the reservations a change touched, applied over the old parts, give the changed sale', () => {
  const s = busySale();
  const parts: Record<string, unknown> = stored(reservationParts(s, allReservationIds(s)));
  const now = T0 + HOLD_MS + 1;
  const held = Object.keys(s.holds)[0]!;
  const r = release(s, s.holds[held]!.user, held, now);
  assert.equal(r.kind, 'released');
  const forgotten = forgetOld(s, now + 3_600_000, 1000);
  const touched = new Set([held, ...forgotten]);
  const change = stored(reservationParts(s, touched));
  assert.ok(Object.values(change).some((p) => p === null), 'a reservation forgotten for good drops its part');
  for (const [name, p] of Object.entries(change)) {
    if (p === null) delete parts[name];
    else parts[name] = p;
  }
  assert.deepEqual(stored(restoreSale(stored(coreOf(s)), parts)), normalized(s));
});

test('a sale saved whole (before parts) gets its keys back from its answers', () => {
  const s = busySale();
  const old = stored(s) as unknown as Record<string, unknown>;
  for (const h of Object.values(old.holds as Record<string, Record<string, unknown>>)) delete h.key;
  for (const f of Object.values(old.finished as Record<string, Record<string, unknown>>)) delete f.key;
  assert.equal(isCore(old), false);
  const upgraded = withKeys(old as unknown as Sale);
  // Keys whose answers were forgotten are not needed any more: those come back as null.
  for (const [id, h] of Object.entries(s.holds)) assert.equal(upgraded.holds[id]!.key, Object.values(s.answers).some((a) => a.id === id) ? h.key : null);
  const parts = stored(reservationParts(upgraded, allReservationIds(upgraded)));
  assert.deepEqual(stored(restoreSale(stored(coreOf(upgraded)), parts).answers), stored(s.answers));
});

test('after passivation the sale actor answers from its saved parts: figures, repeats, limits, finished reservations', { timeout: 60_000 }, async () => {
  const node = await startTestNode({ actors: { workers: 1, passivateSweepMs: 50 }, commerce: { idleMs: 300 } });
  try {
    const publisher = await token({ sub: 'pub', roles: ['publisher'] });
    const rest = restClient(node.http);
    const id = 'parts-s1';
    const created = await rest.post('sales', { id, title: 'parts', starts_at: isoIn(-1000), ends_at: isoIn(3_600_000), per_user_limit: 2, hold_s: 600, skus: [{ sku: 'tee', stock: 5 }] }, publisher);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const a = await connectAs(node, 'pa');
    const b = await connectAs(node, 'pb');
    const first = (await a.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1, client_req_id: 'k1' })).reservation as { id: string };
    const second = (await a.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1, client_req_id: 'k2' })).reservation as { id: string };
    const theirs = (await b.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1, client_req_id: 'k1' })).reservation as { id: string };
    assert.equal((await a.request({ type: 'release', sale_id: id, reservation_id: second.id })).ok, true);
    assert.equal((await rest.post(`sales/${id}/confirm`, { reservation_id: theirs.id }, publisher)).status, 200);
    const before = (await rest.get(`sales/${id}`)).body;
    assert.deepEqual(before.skus[0], { sku: 'tee', stock: 5, available: 3, reserved: 1, sold: 1, price: null });

    await passivatedAt(node.actors, `sale:${id}`);

    assert.deepEqual((await rest.get(`sales/${id}`)).body, before, 'the same figures after reactivation');
    const repeat = await a.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1, client_req_id: 'k1' });
    assert.equal((repeat.reservation as { id: string }).id, first.id, 'a repeated client_req_id answers the first reservation');
    // pa holds 1 (limit 2): one more is fine, a third is not; pb bought 1: one more is fine, two are not.
    assert.equal((await a.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 2, client_req_id: 'k3' })).code, 'limit_exceeded');
    assert.equal((await b.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 2, client_req_id: 'k3' })).code, 'limit_exceeded');
    assert.equal((await a.request({ type: 'release', sale_id: id, reservation_id: second.id })).ok, true, 'releasing a released reservation again is ok');
    assert.equal((await b.request({ type: 'release', sale_id: id, reservation_id: theirs.id })).code, 'conflict', 'a confirmed reservation stays confirmed');
    assert.equal((await rest.post(`sales/${id}/confirm`, { reservation_id: first.id }, publisher)).status, 200, 'the held reservation can still be confirmed');
    assert.deepEqual((await rest.get(`sales/${id}`)).body.skus[0], { sku: 'tee', stock: 5, available: 3, reserved: 0, sold: 2, price: null });
    await Promise.all([a.close(), b.close()]);
  } finally {
    await node.stop();
  }
});
