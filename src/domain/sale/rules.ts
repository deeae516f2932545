// The flash-sale rules of PROTOCOL.md §8: no I/O, no clock of their own. The
// sale actor (actor.ts) serializes the calls and persists the sale after
// them, so at every moment, per SKU, reserved + sold <= stock, and per user,
// held + bought <= per_user_limit.
//
// They change the sale they are given in place: a copy of its maps per
// request is O(reservations), and measured 411 reserves/s on a sale of
// 20,000 units (38,000/s at 1,000). Each decides before it changes anything,
// so a refusal leaves the sale as it was.
import { toTaka, type Paisa } from '../commerce/money.ts';
import { toDhakaIso } from '../../time/clock.ts';
import { dict } from '../dict.ts';

export interface SkuSpec {
  sku: string;
  stock: number;
  price: Paisa | null;
}

export interface SaleSpec {
  id: string;
  title: string | null;
  startsAt: number;
  endsAt: number;
  perUserLimit: number;
  holdMs: number;
  skus: SkuSpec[];
}

export interface SkuState {
  stock: number;
  price: Paisa | null;
  reserved: number;
  sold: number;
}

/** A reservation that holds stock until it is confirmed, released or expires. */
export interface Hold {
  id: string;
  user: string;
  sku: string;
  qty: number;
  expiresAt: number;
  /** Its `user|client_req_id` (reserveKey), null when it came without one. */
  key: string | null;
}

export type Finished = 'confirmed' | 'released' | 'expired';

/** A reservation no longer held (what a repeated release or confirm is answered from). */
export interface FinishedReservation {
  status: Finished;
  user: string;
  sku: string;
  qty: number;
  at: number;
  /** The hold's key, kept so that the reservation can be saved on its own (persisted.ts). */
  key: string | null;
}

/** Its records are dictionaries (dict.ts): SKUs and user ids are the clients' to choose. */
export interface Sale extends Omit<SaleSpec, 'skus'> {
  /** In the order the sale was created with. */
  skus: Record<string, SkuState>;
  holds: Record<string, Hold>;
  /** Units each user holds and has bought (what per_user_limit counts). */
  users: Record<string, { held: number; bought: number }>;
  /** The first answer to each `user|client_req_id` that reserved (a repeat returns it). */
  answers: Record<string, ReservationAnswer & { at: number }>;
  /** Reservations no longer held: confirmed ones for good, released and expired ones for the idempotency window. */
  finished: Record<string, FinishedReservation>;
  /** Reservations made so far (their ids count up). */
  made: number;
  createdAt: number;
}

export interface ReservationAnswer {
  id: string;
  sku: string;
  qty: number;
  expiresAt: number;
}

export type SaleStatus = 'scheduled' | 'open' | 'ended';

export type ReserveRefusal = { code: 'sale_not_found' | 'sale_not_started' | 'sale_ended' | 'limit_exceeded' | 'sold_out'; message: string };

export type ReserveVerdict =
  | { kind: 'reserved'; sale: Sale; reservation: ReservationAnswer }
  | { kind: 'duplicate'; reservation: ReservationAnswer }
  | { kind: 'refused'; refusal: ReserveRefusal };

export interface ReserveInput {
  user: string;
  sku: string;
  qty: number;
  clientReqId: string | undefined;
}

export type ChangeRefusal = { code: 'not_found' | 'conflict'; message: string };

export function newSale(spec: SaleSpec, now: number): Sale {
  const skus = dict<SkuState>();
  for (const s of spec.skus) skus[s.sku] = { stock: s.stock, price: s.price, reserved: 0, sold: 0 };
  return { id: spec.id, title: spec.title, startsAt: spec.startsAt, endsAt: spec.endsAt, perUserLimit: spec.perUserLimit, holdMs: spec.holdMs, skus, holds: dict(), users: dict(), answers: dict(), finished: dict(), made: 0, createdAt: now };
}

export function statusOf(s: Sale, now: number): SaleStatus {
  if (now < s.startsAt) return 'scheduled';
  return now < s.endsAt ? 'open' : 'ended';
}

export function available(k: SkuState): number {
  return k.stock - k.reserved - k.sold;
}

export function reserveKey(user: string, clientReqId: string | undefined): string | null {
  return clientReqId === undefined ? null : `${user}|${clientReqId}`;
}

/**
 * §8, exactly, in this order: a repeated `client_req_id` returns the first
 * answer; the SKU exists (`sale_not_found`); the sale is open; the user's held
 * plus bought plus `qty` stays within per_user_limit; then stock. All or
 * nothing: a refused reserve changes nothing. Call expireDue first.
 */
export function reserve(s: Sale, r: ReserveInput, now: number): ReserveVerdict {
  const key = reserveKey(r.user, r.clientReqId);
  if (key !== null) {
    const first = s.answers[key];
    if (first) return { kind: 'duplicate', reservation: { id: first.id, sku: first.sku, qty: first.qty, expiresAt: first.expiresAt } };
  }
  const k = Object.hasOwn(s.skus, r.sku) ? s.skus[r.sku] : undefined;
  if (k === undefined) return { kind: 'refused', refusal: { code: 'sale_not_found', message: `sale ${s.id} has no sku ${r.sku}` } };
  const status = statusOf(s, now);
  if (status === 'scheduled') return { kind: 'refused', refusal: { code: 'sale_not_started', message: `sale ${s.id} starts at ${toDhakaIso(s.startsAt)}` } };
  if (status === 'ended') return { kind: 'refused', refusal: { code: 'sale_ended', message: `sale ${s.id} ended at ${toDhakaIso(s.endsAt)}` } };
  const u = s.users[r.user] ?? { held: 0, bought: 0 };
  if (u.held + u.bought + r.qty > s.perUserLimit) {
    return { kind: 'refused', refusal: { code: 'limit_exceeded', message: `at most ${s.perUserLimit} unit(s) per user; you hold ${u.held} and bought ${u.bought}` } };
  }
  const left = available(k);
  if (left < r.qty) return { kind: 'refused', refusal: { code: 'sold_out', message: left === 0 ? `${r.sku} is sold out` : `only ${left} unit(s) of ${r.sku} left` } };
  s.made += 1;
  const hold: Hold = { id: `rsv_${s.made}`, user: r.user, sku: r.sku, qty: r.qty, expiresAt: now + s.holdMs, key };
  const reservation: ReservationAnswer = { id: hold.id, sku: hold.sku, qty: hold.qty, expiresAt: hold.expiresAt };
  k.reserved += r.qty;
  s.holds[hold.id] = hold;
  s.users[r.user] = { held: u.held + r.qty, bought: u.bought };
  if (key !== null) s.answers[key] = { ...reservation, at: now };
  return { kind: 'reserved', sale: s, reservation };
}

/** Takes a hold off the books, returning its stock (`to` released or expired) or selling it (`confirmed`). */
function finish(s: Sale, h: Hold, to: Finished, now: number): Sale {
  const k = s.skus[h.sku]!;
  const u = s.users[h.user]!;
  const sold = to === 'confirmed' ? h.qty : 0;
  k.reserved -= h.qty;
  k.sold += sold;
  u.held -= h.qty;
  u.bought += sold;
  delete s.holds[h.id];
  s.finished[h.id] = { status: to, user: h.user, sku: h.sku, qty: h.qty, at: now, key: h.key };
  return s;
}

/** Holds whose time is up return to stock (§8). O(holds): the sale actor finds the due ones by expiry (hold-expiries.ts) and calls expireHolds. */
export function expireDue(s: Sale, now: number): { sale: Sale; expired: Hold[] } {
  return expireHolds(s, Object.keys(s.holds), now);
}

/** The earliest hold expiry; undefined when nothing is held. O(holds), like expireDue: the reference HoldExpiries agrees with. */
export function nextExpiry(s: Sale): number | undefined {
  let min: number | undefined;
  for (const h of Object.values(s.holds)) if (min === undefined || h.expiresAt < min) min = h.expiresAt;
  return min;
}

/** The holds `ids` whose time is up return to stock (§8); the sale actor finds them by expiry (hold-expiries.ts). */
export function expireHolds(s: Sale, ids: readonly string[], now: number): { sale: Sale; expired: Hold[] } {
  const expired: Hold[] = [];
  for (const id of ids) {
    const h = s.holds[id];
    if (h === undefined || h.expiresAt > now) continue;
    expired.push(h);
    finish(s, h, 'expired', now);
  }
  return { sale: s, expired };
}

/**
 * Forgets what is past the idempotency window; answers the reservations
 * whose records changed (an answer or a finished reservation forgotten).
 * Answers and finished reservations are kept for the idempotency window
 * (`ttlMs`); confirmed ones stay (a repeated confirm must still say ok), and
 * so does the answer of a reservation still held.
 */
export function forgetOld(s: Sale, now: number, ttlMs: number): Set<string> {
  const cut = now - ttlMs;
  const touched = new Set<string>();
  for (const [k, a] of Object.entries(s.answers)) {
    if (a.at >= cut || Object.hasOwn(s.holds, a.id)) continue;
    delete s.answers[k];
    touched.add(a.id);
  }
  for (const [id, f] of Object.entries(s.finished)) {
    if (f.status === 'confirmed' || f.at >= cut) continue;
    delete s.finished[id];
    touched.add(id);
  }
  return touched;
}

/** `release` (§8) by the user who holds it: stock back. Releasing one already released or expired is ok (nothing left to give back). */
export function release(s: Sale, user: string, id: string, now: number): { kind: 'released'; sale: Sale; hold: Hold } | { kind: 'already'; status: Finished } | { kind: 'refused'; refusal: ChangeRefusal } {
  const h = Object.hasOwn(s.holds, id) ? s.holds[id] : undefined;
  if (h !== undefined) {
    if (h.user !== user) return { kind: 'refused', refusal: { code: 'not_found', message: `no reservation ${id} of yours in sale ${s.id}` } };
    return { kind: 'released', sale: finish(s, h, 'released', now), hold: h };
  }
  const f = Object.hasOwn(s.finished, id) ? s.finished[id] : undefined;
  if (f === undefined || f.user !== user) return { kind: 'refused', refusal: { code: 'not_found', message: `no reservation ${id} of yours in sale ${s.id}` } };
  if (f.status === 'confirmed') return { kind: 'refused', refusal: { code: 'conflict', message: `reservation ${id} is confirmed (sold); it can no longer be released` } };
  return { kind: 'already', status: f.status };
}

/** `POST sales/:id/confirm` (§8): the hold becomes a sale and keeps counting against the user's limit. Confirming twice is ok. */
export function confirm(s: Sale, id: string, now: number): { kind: 'confirmed'; sale: Sale; hold: Hold } | { kind: 'already'; user: string; sku: string; qty: number } | { kind: 'refused'; refusal: ChangeRefusal } {
  const h = Object.hasOwn(s.holds, id) ? s.holds[id] : undefined;
  if (h !== undefined) return { kind: 'confirmed', sale: finish(s, h, 'confirmed', now), hold: h };
  const f = Object.hasOwn(s.finished, id) ? s.finished[id] : undefined;
  if (f === undefined) return { kind: 'refused', refusal: { code: 'not_found', message: `no reservation ${id} in sale ${s.id}` } };
  if (f.status === 'confirmed') return { kind: 'already', user: f.user, sku: f.sku, qty: f.qty };
  return { kind: 'refused', refusal: { code: 'conflict', message: `reservation ${id} was ${f.status}; its stock went back on sale` } };
}

/** `GET sales/:id` and the answer to `POST sales` (§8), plus `title` and each SKU's `price`. */
export function saleView(s: Sale, now: number): Record<string, unknown> {
  return {
    id: s.id,
    title: s.title,
    status: statusOf(s, now),
    starts_at: toDhakaIso(s.startsAt),
    ends_at: toDhakaIso(s.endsAt),
    per_user_limit: s.perUserLimit,
    hold_s: s.holdMs / 1000,
    skus: Object.entries(s.skus).map(([sku, k]) => ({ sku, stock: k.stock, available: available(k), reserved: k.reserved, sold: k.sold, price: k.price === null ? null : toTaka(k.price) })),
  };
}

/** `product_stock_update` data on `sale:{id}` (§8). */
export function stockData(s: Sale, sku: string): Record<string, unknown> {
  const k = s.skus[sku]!;
  return { sale_id: s.id, sku, available: available(k), reserved: k.reserved, sold: k.sold };
}

/** The `reply` to `reserve` (§8). */
export function reservationReply(r: ReservationAnswer): { reservation: { id: string; sku: string; qty: number; expires_at: string } } {
  return { reservation: { id: r.id, sku: r.sku, qty: r.qty, expires_at: toDhakaIso(r.expiresAt) } };
}
