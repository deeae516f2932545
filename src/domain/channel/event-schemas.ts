// The seed's event types (PROTOCOL.md §3b): where each may be published and
// the data it must carry. Checked on publish (frame and REST) after the right
// to publish; other event types are free-form. Extra data fields are kept.
import { z } from 'zod';
import { HaatError } from '../../errors.ts';
import { toPaisa } from '../commerce/money.ts';
import { parseIsoWithOffset } from '../../time/iso.ts';

// Each atom is described by the word the README's event type table uses for it (event-catalogue.ts reads it).
const str = z.string().min(1).max(256).describe('string');
/** Taka with at most two decimals (§3b). */
const amount = z
  .number()
  .refine((n) => toPaisa(n) !== undefined, 'must be taka with at most two decimals')
  .describe('amount');
const iso = z
  .string()
  .refine((t) => parseIsoWithOffset(t) !== undefined, 'must be ISO 8601 with an offset')
  .describe('ISO 8601');
const count = z.number().int().min(0).describe('integer >= 0');
const num = z.number().describe('number');

const ORDER_STATUS = ['placed', 'confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered', 'cancelled', 'returned'] as const;

export interface EventRule {
  /** Channel namespaces it may be published on. */
  namespaces: readonly string[];
  data: z.ZodType<unknown>;
  /** A different schema on some namespaces (`product_stock_update` on `sale:`). */
  dataOn?: Readonly<Record<string, z.ZodType<unknown>>>;
  /** Published by haat's own actors only, never by a client. */
  serverOnly?: boolean;
}

const RULES: Readonly<Record<string, EventRule>> = {
  product_price_change: { namespaces: ['product', 'promo', 'sale'], data: z.looseObject({ product_id: str, new_price: amount, old_price: amount.optional(), discount_percentage: num.optional() }) },
  product_stock_update: {
    namespaces: ['product', 'sale'],
    data: z.looseObject({ product_id: str, stock: count }),
    dataOn: { sale: z.looseObject({ sale_id: str, sku: str, available: count, reserved: count, sold: count }) },
  },
  new_product_added: { namespaces: ['category', 'promo'], data: z.looseObject({ product_id: str, title: str, price: amount, category_id: str.optional() }) },
  product_promotion_start: {
    namespaces: ['product', 'promo', 'category'],
    data: z.looseObject({ promo_id: str, discount_percentage: num, ends_at: iso, product_id: str.optional(), starts_at: iso.optional() }),
  },
  order_status_update: { namespaces: ['order'], data: z.looseObject({ order_id: str, status: z.enum(ORDER_STATUS) }) },
  payment_status_update: {
    namespaces: ['order'],
    data: z.looseObject({ order_id: str, payment_id: str, provider: z.enum(['bkash', 'nagad', 'rocket', 'card', 'cod']), amount, status: z.enum(['pending', 'success', 'failed', 'refunded']) }),
  },
  shipping_update: { namespaces: ['order'], data: z.looseObject({ order_id: str, status: str, carrier: str.optional(), tracking_id: str.optional(), location: str.optional(), eta: iso.optional() }) },
  delivery_confirmation: { namespaces: ['order'], data: z.looseObject({ order_id: str, delivered_at: iso, received_by: str.optional() }) },
  bid_placed: { namespaces: ['auction'], data: z.unknown(), serverOnly: true },
  auction_closed: { namespaces: ['auction'], data: z.unknown(), serverOnly: true },
};

/** The event types with a schema, and each one's rule (read by event-catalogue.ts). */
export const EVENT_TYPES: readonly string[] = Object.keys(RULES);
export function eventRule(eventType: string): EventRule | undefined {
  return Object.hasOwn(RULES, eventType) ? RULES[eventType] : undefined;
}

/** The default priority of each seed event type (§3b) that is not `normal`. */
const DEFAULT_PRIORITY: Readonly<Record<string, 'low' | 'normal' | 'high'>> = {
  new_product_added: 'low',
  order_status_update: 'high',
  payment_status_update: 'high',
  shipping_update: 'high',
  delivery_confirmation: 'high',
  bid_placed: 'high',
  auction_closed: 'high',
};

/**
 * The priority of an `eventType` event whose publisher gives none. Any string
 * may be an event type: `toString` must not find Object.prototype's.
 */
export function defaultPriority(eventType: string): 'low' | 'normal' | 'high' {
  return Object.hasOwn(DEFAULT_PRIORITY, eventType) ? DEFAULT_PRIORITY[eventType]! : 'normal';
}

/** The error a client's publish of `eventType` on `namespace` earns, or undefined when it may go out. */
export function checkClientEvent(namespace: string, eventType: string, data: unknown): HaatError | undefined {
  const rule = Object.hasOwn(RULES, eventType) ? RULES[eventType] : undefined;
  if (rule === undefined) return undefined;
  if (rule.serverOnly) return new HaatError('forbidden', `${eventType} events are published by haat itself (PROTOCOL.md §7)`);
  if (!rule.namespaces.includes(namespace)) return new HaatError('bad_request', `${eventType} is published on ${rule.namespaces.map((n) => `${n}:`).join(' ')} channels, not ${namespace}:`);
  const schema = rule.dataOn?.[namespace] ?? rule.data;
  const parsed = schema.safeParse(data);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? `data.${issue.path.join('.')}` : 'data';
  return new HaatError('bad_request', `${eventType}: \`${field}\`: ${issue?.message ?? 'invalid'}`);
}
