// What a payment actor (`payment:{provider}:{payment_id}`) handles: the
// webhook calls of PROTOCOL.md §10 for one payment of one provider. The actor
// is the durable memory that the payment was already processed, on every
// node and after a failover (its state is saved with fencing).
import type { Paisa } from '../commerce/money.ts';

export const WEBHOOK_PROVIDERS = ['bkash', 'nagad', 'rocket'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

export const PAYMENT_STATUSES = ['pending', 'success', 'failed', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** One webhook call's payment, validated at the edge; the amount in whole paisa. */
export interface Payment {
  provider: WebhookProvider;
  payment_id: string;
  order_id: string;
  user_id: string;
  amount: Paisa;
  status: PaymentStatus;
}

export type PaymentMessage =
  /** A webhook call; answers a ProcessAnswer. */
  { type: 'process'; payment: Payment };

export interface ProcessAnswer {
  /** The payment was processed before: nothing was published this time. */
  duplicate: boolean;
  /** On a duplicate: the body fields that differ from the first call (empty when it is the same call again). */
  differs: string[];
}

export function isWebhookProvider(value: string): value is WebhookProvider {
  return (WEBHOOK_PROVIDERS as readonly string[]).includes(value);
}

export function paymentAddress(provider: WebhookProvider, paymentId: string): string {
  return `payment:${provider}:${paymentId}`;
}

export function orderChannel(orderId: string): string {
  return `order:${orderId}`;
}
