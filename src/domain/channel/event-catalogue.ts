// The seed's twelve typed event types as one catalogue, derived from the code
// that checks them: the event schemas of PROTOCOL.md §3b (event-schemas.ts)
// and the notification templates' parameters of §5 (notification-types.ts).
// The README's event type table is tested against it, so the two agree.
import { z } from 'zod';
import { defaultPriority, eventRule } from './event-schemas.ts';
import { NOTIFICATION_PARAMS, isNotificationType } from '../../i18n/notification-types.ts';
import { DEFAULT_NOTIFICATION_PRIORITY } from '../notification/notify.ts';

/** The seed's types: the events of §3b and the notification types the seed lists in §5. */
export const SEED_EVENT_TYPES = [
  'product_price_change',
  'product_stock_update',
  'new_product_added',
  'product_promotion_start',
  'order_status_update',
  'payment_status_update',
  'shipping_update',
  'delivery_confirmation',
  'price_drop_alert',
  'restock_notification',
  'promotion_alert',
  'order_reminder',
] as const;

/** One row of the table: a type on some namespaces (a type whose data differs per namespace has a row per schema). */
export interface CatalogueRow {
  type: string;
  /** Channel namespaces of the event; empty for a type that is only a notification. */
  namespaces: string[];
  /** Event data fields and their kinds (`string`, `amount`, `ISO 8601`, `one of a b c`...). */
  required: Record<string, string>;
  optional: Record<string, string>;
  /** The notification template's parameters and their kinds; empty when the type is not a notification. */
  params: Record<string, string>;
  /** The event's default priority, or the notification's for a notification-only type. */
  priority: string;
}

/** The word the table uses for a field's schema: its description, or the values of an enum. */
function kindOf(schema: z.ZodType): string {
  if (schema instanceof z.ZodEnum) return `one of ${(schema.options as string[]).join(' ')}`;
  const word = schema.description;
  if (word === undefined) throw new Error('an event schema field without a description: describe it in event-schemas.ts');
  return word;
}

function fieldsOf(data: z.ZodType): { required: Record<string, string>; optional: Record<string, string> } {
  if (!(data instanceof z.ZodObject)) throw new Error('a seed event schema is not an object schema');
  const required: Record<string, string> = {};
  const optional: Record<string, string> = {};
  for (const [name, field] of Object.entries(data.shape as Record<string, z.ZodType>)) {
    if (field instanceof z.ZodOptional) optional[name] = kindOf(field.unwrap() as z.ZodType);
    else required[name] = kindOf(field);
  }
  return { required, optional };
}

export function eventCatalogue(): CatalogueRow[] {
  const rows: CatalogueRow[] = [];
  for (const type of SEED_EVENT_TYPES) {
    const params: Record<string, string> = isNotificationType(type) ? { ...NOTIFICATION_PARAMS[type] } : {};
    const rule = eventRule(type);
    if (rule === undefined) {
      rows.push({ type, namespaces: [], required: {}, optional: {}, params, priority: DEFAULT_NOTIFICATION_PRIORITY });
      continue;
    }
    const priority = defaultPriority(type);
    const own = rule.namespaces.filter((ns) => rule.dataOn?.[ns] === undefined);
    if (own.length > 0) rows.push({ type, namespaces: own, ...fieldsOf(rule.data), params, priority });
    for (const [ns, data] of Object.entries(rule.dataOn ?? {})) rows.push({ type, namespaces: [ns], ...fieldsOf(data), params, priority });
  }
  return rows;
}
