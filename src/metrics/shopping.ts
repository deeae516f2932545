// What a presence report or an event says about shopping: a product view, a
// cart, a checkout. `shopping_activity` is free-form (PROTOCOL.md §10), so
// this reads the shapes clients send (documented in README "Analytics and
// alerts") and ignores the rest; the ids in it never leave this function
// (no product or user id becomes a metric label).

export const STAGES = ['product_view', 'cart', 'checkout'] as const;
export type Stage = (typeof STAGES)[number];

/** Stages of one report, as bits: a shopper viewing a product with items in the cart reports both. */
export const VIEW = 1;
export const CART = 2;
export const CHECKOUT = 4;

const BIT_OF: Readonly<Record<Stage, number>> = { product_view: VIEW, cart: CART, checkout: CHECKOUT };

export function bitOf(stage: Stage): number {
  return BIT_OF[stage];
}

/** The most advanced stage of `bits` (checkout > cart > product_view), or undefined. */
export function furthest(bits: number): Stage | undefined {
  if (bits & CHECKOUT) return 'checkout';
  if (bits & CART) return 'cart';
  if (bits & VIEW) return 'product_view';
  return undefined;
}

function stageOfWord(word: string): number {
  const w = word.toLowerCase();
  if (/checkout|checking_out|payment|place_order|order_placed/.test(w)) return CHECKOUT;
  if (/cart|basket|bag/.test(w)) return CART;
  if (/product|viewing|view|browse|pdp|item/.test(w)) return VIEW;
  return 0;
}

const PRODUCT_PAGE = /^\/(p|product|products|item|items|pdp)\/[^/?#]+/i;
const CART_PAGE = /^\/(cart|basket|bag)(\/|$|\?|#)/i;
const CHECKOUT_PAGE = /^\/(checkout|payment|pay)(\/|$|\?|#)/i;

/** Stages of a `current_page` path (`/p/p1`, `/cart`, `/checkout/...`). */
export function stagesOfPage(page: string | null | undefined): number {
  if (typeof page !== 'string') return 0;
  const path = page.replace(/^[a-z]+:\/\/[^/]+/i, '');
  if (CHECKOUT_PAGE.test(path)) return CHECKOUT;
  if (CART_PAGE.test(path)) return CART;
  if (PRODUCT_PAGE.test(path)) return VIEW;
  return 0;
}

/**
 * Stages of a `shopping_activity`:
 * - a string: `"viewing_product"`, `"cart"`, `"checkout"` (and close words);
 * - an object: `stage` / `activity` / `action` / `step` naming one as above;
 *   `viewing` / `product_id` / `viewing_product` present: a product view;
 *   `cart_items` (or `cart_count`) over 0, or `cart` true / a non-empty list: a cart;
 *   `checkout` true (or an object): a checkout.
 */
export function stagesOfActivity(activity: unknown): number {
  if (typeof activity === 'string') return stageOfWord(activity);
  if (typeof activity !== 'object' || activity === null || Array.isArray(activity)) return 0;
  const a = activity as Record<string, unknown>;
  let bits = 0;
  for (const k of ['stage', 'activity', 'action', 'step']) {
    const v = a[k];
    if (typeof v === 'string') bits |= stageOfWord(v);
  }
  if (present(a.viewing) || present(a.product_id) || present(a.viewing_product)) bits |= VIEW;
  const items = typeof a.cart_items === 'number' ? a.cart_items : typeof a.cart_count === 'number' ? a.cart_count : 0;
  if (items > 0 || a.cart === true || (Array.isArray(a.cart) && a.cart.length > 0)) bits |= CART;
  if (a.checkout === true || (typeof a.checkout === 'object' && a.checkout !== null)) bits |= CHECKOUT;
  return bits;
}

function present(v: unknown): boolean {
  return (typeof v === 'string' && v.length > 0) || typeof v === 'number';
}

const EVENT_STAGES: Readonly<Record<string, number>> = {
  product_view: VIEW,
  product_viewed: VIEW,
  view_product: VIEW,
  add_to_cart: CART,
  cart_add: CART,
  cart_update: CART,
  cart_updated: CART,
  checkout: CHECKOUT,
  checkout_started: CHECKOUT,
  checkout_start: CHECKOUT,
  begin_checkout: CHECKOUT,
  order_placed: CHECKOUT,
};

/**
 * Stages of a published event: behaviour events by their type (`product_view`,
 * `add_to_cart`, `checkout_started`, ...), and an `order_status_update` to
 * `placed` (§3b) as a checkout.
 */
export function stagesOfEvent(eventType: string, data: unknown): number {
  const bits = EVENT_STAGES[eventType];
  if (bits !== undefined) return bits;
  if (eventType === 'order_status_update' && typeof data === 'object' && data !== null && (data as { status?: unknown }).status === 'placed') return CHECKOUT;
  return 0;
}
