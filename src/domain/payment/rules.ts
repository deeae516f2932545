// Pure rules of a payment webhook call (PROTOCOL.md §10): the first call for
// a payment id is processed, every later one is a duplicate that publishes
// nothing (whatever its body; the fields that differ are reported for the log).
import { toTaka } from '../commerce/money.ts';
import { orderChannel, type Payment } from './messages.ts';

export type Verdict = { kind: 'first' } | { kind: 'duplicate'; differs: string[] };

const FIELDS = ['order_id', 'user_id', 'amount', 'status'] as const satisfies readonly (keyof Payment)[];

export function judge(processed: Payment | null, call: Payment): Verdict {
  if (processed === null) return { kind: 'first' };
  return { kind: 'duplicate', differs: FIELDS.filter((f) => processed[f] !== call[f]) };
}

/** The `payment_status_update` event data on `order:{order_id}` (§3b). */
export function paymentEventData(p: Payment): { order_id: string; payment_id: string; provider: string; amount: number; status: string } {
  return { order_id: p.order_id, payment_id: p.payment_id, provider: p.provider, amount: toTaka(p.amount), status: p.status };
}

/** The template parameters of the `payment_status_update` notification (src/i18n/notification-types.ts). */
export function paymentNotificationParams(p: Payment): Record<string, unknown> {
  return { order_id: p.order_id, amount: toTaka(p.amount), provider: p.provider, status: p.status };
}

/** Unique per payment of a provider: a channel publishes an event with it once, a user actor queues its notification once. */
export function paymentDedupe(p: Pick<Payment, 'provider' | 'payment_id'>): string {
  return `payment|${p.provider}|${p.payment_id}`;
}

export function paymentChannel(p: Payment): string {
  return orderChannel(p.order_id);
}
