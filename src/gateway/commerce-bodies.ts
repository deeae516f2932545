// REST bodies of Commerce (PROTOCOL.md §7, §8, §10), validated at the edge and
// turned into the actors' specs: amounts in whole paisa, times in ms.
import { z } from 'zod';
import { nanoid } from 'nanoid';
import { HaatError } from '../errors.ts';
import { toPaisa } from '../domain/commerce/money.ts';
import { parseIsoWithOffset } from '../time/iso.ts';
import type { AuctionSpec } from '../domain/auction/rules.ts';
import type { SaleSpec } from '../domain/sale/rules.ts';
import { resourceId, takaAmount } from './frames.ts';
import { MAX_START_REMINDERS } from '../domain/sale/start-reminders.ts';

const isoTime = z
  .string()
  .max(64)
  .refine((t) => parseIsoWithOffset(t) !== undefined, 'must be ISO 8601 with an offset, e.g. 2026-11-24T21:00:00+06:00')
  .describe('ISO 8601 with an offset, e.g. 2026-11-24T21:00:00+06:00');
const title = z.string().min(1).max(200);
/** Soft close and its extension: whole seconds up to an hour. */
const seconds = z.number().int().min(0).max(3600);
/** Auctions and sales last at most this long (a reminder further out is a typo). */
const MAX_SPAN_MS = 90 * 24 * 3600 * 1000;

export const auctionBody = z.strictObject({
  id: resourceId.optional(),
  product_id: resourceId,
  title: title.optional(),
  starting_price: takaAmount,
  min_increment: takaAmount,
  starts_at: isoTime,
  ends_at: isoTime,
  soft_close_s: seconds.optional(),
  extend_s: seconds.optional(),
  reserve_price: takaAmount.optional(),
});

export const saleBody = z.strictObject({
  id: resourceId.optional(),
  title: title.optional(),
  starts_at: isoTime,
  ends_at: isoTime,
  per_user_limit: z.number().int().min(1).max(1000),
  hold_s: z.number().int().min(1).max(24 * 3600),
  skus: z
    .array(z.strictObject({ sku: resourceId, stock: z.number().int().min(0).max(10_000_000), price: takaAmount.optional() }))
    .min(1)
    .max(100)
    .refine((skus) => new Set(skus.map((s) => s.sku)).size === skus.length, 'each sku may appear once')
    .describe('each sku may appear once'),
  /** haat's extension: the discount `flash_sale_starting` announces (required with reminders). */
  discount_percentage: z.number().min(0).max(100).optional(),
  /** haat's extension: users told `flash_sale_starting` at the start (more with POST sales/:id/remind). */
  notify_user_ids: z.array(z.string().min(1).max(128)).min(1).max(MAX_START_REMINDERS).optional(),
});

/** POST sales/:id/remind: the caller, or (server roles) `user_ids`. */
export const remindBody = z.strictObject({
  user_ids: z.array(z.string().min(1).max(128)).min(1).max(MAX_START_REMINDERS).optional(),
  discount_percentage: z.number().min(0).max(100).optional(),
});

/** The create message's start reminders, checked against the sale's times. */
export function saleReminders(b: z.infer<typeof saleBody>, spec: SaleSpec, now: number): { user_ids: string[]; discount_percentage?: number } | undefined {
  if (b.notify_user_ids === undefined) return undefined;
  if (b.discount_percentage === undefined) throw new HaatError('bad_request', 'discount_percentage: required with notify_user_ids');
  if (spec.startsAt <= now) throw new HaatError('bad_request', 'notify_user_ids: the sale starts now; reminders are for sales not yet open');
  return { user_ids: b.notify_user_ids, discount_percentage: b.discount_percentage };
}

export const confirmBody = z.strictObject({ reservation_id: z.string().min(1).max(64) });

function times(startsAt: string, endsAt: string, now: number): { startsAt: number; endsAt: number } {
  const s = parseIsoWithOffset(startsAt)!;
  const e = parseIsoWithOffset(endsAt)!;
  if (e <= s) throw new HaatError('bad_request', 'ends_at: must be after starts_at');
  if (e <= now) throw new HaatError('bad_request', 'ends_at: must be in the future');
  if (e - Math.max(s, now) > MAX_SPAN_MS) throw new HaatError('bad_request', 'ends_at: at most 90 days ahead');
  return { startsAt: s, endsAt: e };
}

/**
 * `soft_close_s` absent: no soft close. `extend_s` absent: the soft-close
 * window itself (a bid in the last 30 s gives 30 s more).
 */
export function auctionSpec(b: z.infer<typeof auctionBody>, now: number): AuctionSpec {
  const t = times(b.starts_at, b.ends_at, now);
  const softClose = b.soft_close_s ?? 0;
  return {
    id: b.id ?? `a_${nanoid(12).replace(/[^A-Za-z0-9_-]/g, '_')}`,
    product_id: b.product_id,
    title: b.title ?? null,
    starting: toPaisa(b.starting_price)!,
    increment: toPaisa(b.min_increment)!,
    reserve: b.reserve_price === undefined ? null : toPaisa(b.reserve_price)!,
    startsAt: t.startsAt,
    endsAt: t.endsAt,
    softCloseMs: softClose * 1000,
    extendMs: (b.extend_s ?? softClose) * 1000,
  };
}

export function saleSpec(b: z.infer<typeof saleBody>, now: number): SaleSpec {
  const t = times(b.starts_at, b.ends_at, now);
  return {
    id: b.id ?? `s_${nanoid(12).replace(/[^A-Za-z0-9_-]/g, '_')}`,
    title: b.title ?? null,
    startsAt: t.startsAt,
    endsAt: t.endsAt,
    perUserLimit: b.per_user_limit,
    holdMs: b.hold_s * 1000,
    skus: b.skus.map((s) => ({ sku: s.sku, stock: s.stock, price: s.price === undefined ? null : toPaisa(s.price)! })),
  };
}
