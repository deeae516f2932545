// How a sale is saved: its spec and stock figures as the actor's state, and
// each reservation as a state part of its own (`r.<id>`), so that a commit
// encodes the reservations it changed instead of every hold of the sale. A
// sale of 100,000 units otherwise wrote megabytes per commit and answered
// 6,000 reserves/s (README, "Hot SKU"). The per-user figures are not saved:
// they are the sums of the user's held and confirmed reservations. Pure.
import type { FinishedReservation, Hold, Sale } from './rules.ts';
import { dict } from '../dict.ts';

/** A reservation as saved: held, or finished (with when), and its answer while remembered. */
export interface SavedReservation {
  user: string;
  sku: string;
  qty: number;
  expiresAt: number;
  key: string | null;
  status: 'held' | FinishedReservation['status'];
  /** When it stopped being held (finished ones). */
  at?: number;
  /** When its answer was given, while a repeat of `key` is answered from it. */
  answerAt?: number;
}

/** What a sale's own saved state keeps (the reservations are in parts). */
export type SaleCore = Omit<Sale, 'holds' | 'answers' | 'finished' | 'users'> & { reservationsInParts: true };

const PART_PREFIX = 'r.';

export function reservationPart(id: string): string {
  return `${PART_PREFIX}${id}`;
}

export function coreOf(sale: Sale): SaleCore {
  const { holds: _h, answers: _a, finished: _f, users: _u, ...rest } = sale;
  return { ...rest, reservationsInParts: true };
}

/** The reservation's record now, or null once nothing of it is remembered. */
export function savedReservation(sale: Sale, id: string): SavedReservation | null {
  const h: Hold | undefined = Object.hasOwn(sale.holds, id) ? sale.holds[id] : undefined;
  const f: FinishedReservation | undefined = h === undefined && Object.hasOwn(sale.finished, id) ? sale.finished[id] : undefined;
  const r = h ?? f;
  if (r === undefined) return null;
  // The key's answer is this reservation's unless it was forgotten and the key reserved again.
  const found = r.key === null || !Object.hasOwn(sale.answers, r.key) ? undefined : sale.answers[r.key];
  const answer = found !== undefined && found.id === id ? found : undefined;
  const out: SavedReservation = {
    user: r.user,
    sku: r.sku,
    qty: r.qty,
    expiresAt: h !== undefined ? h.expiresAt : (answer?.expiresAt ?? 0),
    key: r.key,
    status: h !== undefined ? 'held' : f!.status,
  };
  if (f !== undefined) out.at = f.at;
  if (answer !== undefined) out.answerAt = answer.at;
  return out;
}

/** The parts a commit writes for the reservations it touched (null drops one). */
export function reservationParts(sale: Sale, ids: Iterable<string>): Record<string, SavedReservation | null> {
  const parts: Record<string, SavedReservation | null> = {};
  for (const id of ids) parts[reservationPart(id)] = savedReservation(sale, id);
  return parts;
}

/** Every reservation the sale remembers (the first save of a sale saved whole, before parts). */
export function allReservationIds(sale: Sale): string[] {
  return [...Object.keys(sale.holds), ...Object.keys(sale.finished)];
}

/** Whether a saved state is a SaleCore (otherwise a sale saved whole, as before parts). */
export function isCore(saved: unknown): saved is SaleCore {
  return typeof saved === 'object' && saved !== null && (saved as { reservationsInParts?: unknown }).reservationsInParts === true;
}

/** The sale back from its core and its reservation parts. */
export function restoreSale(core: SaleCore, parts: Readonly<Record<string, unknown>>): Sale {
  const { reservationsInParts: _marker, ...rest } = core;
  const sale: Sale = { ...rest, skus: dict(rest.skus), holds: dict(), answers: dict(), finished: dict(), users: dict() };
  for (const [name, value] of Object.entries(parts)) {
    if (!name.startsWith(PART_PREFIX) || value === null || value === undefined) continue;
    const id = name.slice(PART_PREFIX.length);
    const r = value as SavedReservation;
    if (r.status === 'held') {
      sale.holds[id] = { id, user: r.user, sku: r.sku, qty: r.qty, expiresAt: r.expiresAt, key: r.key };
      (sale.users[r.user] ??= { held: 0, bought: 0 }).held += r.qty;
    } else {
      sale.finished[id] = { status: r.status, user: r.user, sku: r.sku, qty: r.qty, at: r.at ?? 0, key: r.key };
      if (r.status === 'confirmed') (sale.users[r.user] ??= { held: 0, bought: 0 }).bought += r.qty;
    }
    if (r.key !== null && r.answerAt !== undefined) sale.answers[r.key] = { id, sku: r.sku, qty: r.qty, expiresAt: r.expiresAt, at: r.answerAt };
  }
  return sale;
}

/** A sale saved whole before reservations had keys: holds and finished ones get theirs from the answers. */
export function withKeys(saved: Sale): Sale {
  const sale: Sale = { ...saved, skus: dict(saved.skus), holds: dict(saved.holds), answers: dict(saved.answers), finished: dict(saved.finished), users: dict(saved.users) };
  for (const [key, a] of Object.entries(sale.answers)) {
    const r = Object.hasOwn(sale.holds, a.id) ? sale.holds[a.id] : Object.hasOwn(sale.finished, a.id) ? sale.finished[a.id] : undefined;
    if (r !== undefined && (r.key === undefined || r.key === null)) r.key = key;
  }
  for (const h of Object.values(sale.holds)) h.key ??= null;
  for (const f of Object.values(sale.finished)) f.key ??= null;
  return sale;
}
