// Prayer-time quiet (README "Prayer times, festivals and Bengali dates"):
// low-priority promotional notifications that reach a user during the quiet
// window after a prayer's start in the user's division wait, queued on the
// user's actor, until the window ends. Everything else (orders, payments,
// security, chat, auctions, any notification of normal priority or above)
// goes at once. Pure.
import { quietUntil, type QuietSettings } from '../../time/prayer.ts';
import { DEFAULT_DIVISION, type Division } from '../../time/divisions.ts';
import type { NewNotification } from './messages.ts';

/**
 * The promotional types that may wait. `order_reminder` (the user's own cart)
 * is not in it: anything about an order never waits.
 */
export const QUIET_TYPES: ReadonlySet<string> = new Set(['promotion_alert', 'flash_sale_starting', 'price_drop_alert', 'restock_notification']);

export interface PrayerQuietConfig extends QuietSettings {
  enabled: boolean;
}

/** A notification waiting for the end of a quiet window. */
export interface Held {
  notification: NewNotification;
  until: number;
}

export function mayWait(n: NewNotification): boolean {
  return n.priority === 'low' && QUIET_TYPES.has(n.notification_type);
}

/**
 * Splits incoming notifications into those that go now and those that wait
 * (with the end of the quiet window around `now` in `division`).
 */
export function holdForPrayer(incoming: readonly NewNotification[], division: Division | null, now: number, q: PrayerQuietConfig): { go: NewNotification[]; wait: Held[] } {
  if (!q.enabled || !incoming.some(mayWait)) return { go: [...incoming], wait: [] };
  const until = quietUntil(division ?? DEFAULT_DIVISION, now, q);
  if (until === undefined) return { go: [...incoming], wait: [] };
  const go: NewNotification[] = [];
  const wait: Held[] = [];
  for (const n of incoming) {
    // One whose TTL ends within the window expires while it waits: the sender chose that TTL.
    if (mayWait(n)) wait.push({ notification: n, until });
    else go.push(n);
  }
  return { go, wait };
}

/**
 * Adds waiting notifications whose id is new (a sender's retry is harmless)
 * and keeps the newest `max` (the queue they go to keeps no more either);
 * mutates `held`; answers how many were added.
 */
export function addHeld(held: Held[], wait: readonly Held[], max = Number.POSITIVE_INFINITY): number {
  const known = new Set(held.map((h) => h.notification.id));
  let added = 0;
  for (const h of wait) {
    if (known.has(h.notification.id)) continue;
    known.add(h.notification.id);
    held.push(h);
    added++;
  }
  if (held.length > max) held.splice(0, held.length - max);
  return added;
}

/** Removes and answers the notifications whose window has ended; mutates `held`. */
export function releaseDue(held: Held[], now: number): NewNotification[] {
  const due: NewNotification[] = [];
  for (let i = 0; i < held.length; ) {
    if (held[i]!.until <= now) due.push(held.splice(i, 1)[0]!.notification);
    else i++;
  }
  return due;
}

export function nextRelease(held: readonly Held[]): number | null {
  let min: number | null = null;
  for (const h of held) if (min === null || h.until < min) min = h.until;
  return min;
}
