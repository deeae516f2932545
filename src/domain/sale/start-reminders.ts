// `flash_sale_starting` (PROTOCOL.md §5) for the users who asked to be told
// when a sale starts: given with the sale (`notify_user_ids`) or registered
// later (`POST sales/:id/remind`), kept on the sale until its start, then
// sent by the sale actor's `start` reminder through notify(). They are
// promotions of low priority: a user in a prayer's quiet window gets it when
// the window ends (user/quiet.ts). Pure.
import { notify } from '../notification/notify.ts';
import type { NotifyEntry } from '../commerce/outbox.ts';
import type { Sale } from './rules.ts';

/** At most this many users per sale (the list rides in the sale's persisted state until the start). */
export const MAX_START_REMINDERS = 10_000;

export interface StartReminders {
  users: string[];
  /** The `discount_percentage` the notification announces. */
  discount: number;
  /** How many were sent at the start (0 until then). */
  sent: number;
}

/** A sale with its start reminders (absent: nobody asked). */
export type RemindedSale = Sale & { remind?: StartReminders };

export type RegisterVerdict = { kind: 'registered'; added: number; total: number } | { kind: 'refused'; code: 'bad_request' | 'conflict'; message: string };

/** Adds users to be told at the start; mutates `sale` only when it answers `registered`. */
export function register(sale: RemindedSale, users: readonly string[], discount: number | undefined, now: number): RegisterVerdict {
  if (now >= sale.startsAt) return { kind: 'refused', code: 'conflict', message: `sale ${sale.id} has started: reminders are for sales not yet open` };
  const d = discount ?? sale.remind?.discount;
  if (d === undefined) return { kind: 'refused', code: 'bad_request', message: 'discount_percentage: required for the first reminder of a sale' };
  const known = new Set(sale.remind?.users ?? []);
  const fresh = [...new Set(users)].filter((u) => !known.has(u));
  if (known.size + fresh.length > MAX_START_REMINDERS) return { kind: 'refused', code: 'bad_request', message: `user_ids: at most ${MAX_START_REMINDERS} reminders per sale` };
  const r = (sale.remind ??= { users: [], discount: d, sent: 0 });
  if (discount !== undefined) r.discount = discount;
  r.users.push(...fresh);
  return { kind: 'registered', added: fresh.length, total: r.users.length };
}

/**
 * The notifications due at the start, and the list emptied (sent once); none
 * once the sale has ended. Ids derive from the sale, so a replay queues nothing twice.
 */
export function takeStartNotifications(sale: RemindedSale, now: number): NotifyEntry[] {
  const r = sale.remind;
  if (r === undefined || r.users.length === 0 || now >= sale.endsAt) return [];
  const params = { sale_name: sale.title ?? sale.id, starts_at: sale.startsAt, discount_percentage: r.discount };
  const data = { sale_id: sale.id, action_url: `/sales/${sale.id}` };
  const entries = r.users.map((u) => notify(u, 'flash_sale_starting', params, `sale:${sale.id}|starting`, { data, priority: 'low', now, ttlMs: sale.endsAt - now }) as NotifyEntry);
  r.sent += entries.length;
  r.users = [];
  return entries;
}
