// The notification types of PROTOCOL.md §5 and the parameters each template
// may use. This table is the one definition of a type's parameters: the
// loader refuses a template with any other placeholder, and render() demands
// every parameter listed here whatever the language, so a call that renders
// in English also renders in Bengali.

export const LANGS = ['en', 'bn'] as const;
export type Lang = (typeof LANGS)[number];

export const ORDER_STATUSES = ['placed', 'confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered', 'cancelled', 'returned'] as const;
export const PAYMENT_STATUSES = ['pending', 'success', 'failed', 'refunded'] as const;
export const PAYMENT_PROVIDERS = ['bkash', 'nagad', 'rocket', 'card', 'cod'] as const;

/** The value sets whose words are translated (labels in locales/{en,bn}/notification-values.json). */
export const VALUE_SETS = {
  order_status: ORDER_STATUSES,
  payment_status: PAYMENT_STATUSES,
  provider: PAYMENT_PROVIDERS,
} as const;
export type ValueSet = keyof typeof VALUE_SETS;

/**
 * How a parameter is checked and written:
 * - `text`: a string, or `{en, bn}` with one string per language; inserted as given.
 * - `code`: an id (string or whole number) inserted as given, Latin digits kept
 *   (order ids and tracking numbers are typed back by users and support).
 * - `price`: taka as a number; `৳1,350` / `৳১,৩৫০` (paisa shown only when present).
 * - `percent`: 10 means 10 %; `10%` / `১০%`.
 * - `datetime` / `date`: ISO 8601 with an offset, or epoch milliseconds; shown in Asia/Dhaka.
 * - a value set (`order_status`, `payment_status`, `provider`): one of its keys, shown translated.
 */
export type ParamKind = 'text' | 'code' | 'price' | 'percent' | 'datetime' | 'date' | ValueSet;

export const NOTIFICATION_PARAMS = {
  price_drop_alert: { product_name: 'text', discount_percentage: 'percent', new_price: 'price' },
  restock_notification: { product_name: 'text' },
  promotion_alert: { promotion_name: 'text', discount_percentage: 'percent', ends_at: 'datetime' },
  order_reminder: { product_name: 'text', cart_total: 'price' },
  order_status_update: { order_id: 'code', status: 'order_status' },
  payment_status_update: { order_id: 'code', amount: 'price', provider: 'provider', status: 'payment_status' },
  shipping_update: { order_id: 'code', carrier: 'text', tracking_id: 'code', eta: 'date' },
  delivery_confirmation: { order_id: 'code', delivered_at: 'datetime' },
  auction_won: { auction_title: 'text', amount: 'price' },
  auction_outbid: { auction_title: 'text', amount: 'price' },
  flash_sale_starting: { sale_name: 'text', discount_percentage: 'percent', starts_at: 'datetime' },
  chat_message: { sender_name: 'text', preview: 'text' },
} as const satisfies Record<string, Record<string, ParamKind>>;

export type NotificationType = keyof typeof NOTIFICATION_PARAMS;
export const NOTIFICATION_TYPES = Object.keys(NOTIFICATION_PARAMS) as NotificationType[];

export function isNotificationType(value: unknown): value is NotificationType {
  return typeof value === 'string' && Object.hasOwn(NOTIFICATION_PARAMS, value);
}

/** The parameters of `type` with their kinds, in declaration order. */
export function paramsOf(type: NotificationType): Readonly<Record<string, ParamKind>> {
  return NOTIFICATION_PARAMS[type];
}
