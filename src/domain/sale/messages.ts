import type { SaleSpec } from './rules.ts';
import type { ReminderMessage, TimerMessage } from '../../actors/behaviour.ts';

/** What a sale actor handles; times in ms since the epoch, prices in paisa (the gateway converts). */
export type SaleMessage =
  /** POST sales: answers the view, or `conflict` when the id exists. */
  | { type: 'create'; spec: SaleSpec; /** `notify_user_ids` of POST sales: told at the start (start-reminders.ts). */ remind?: { user_ids: string[]; discount_percentage?: number } }
  /** GET sales/:id: answers the view, or `sale_not_found`. */
  | { type: 'get' }
  | { type: 'reserve'; user: string; sku: string; qty: number; client_req_id?: string }
  | { type: 'release'; user: string; reservation_id: string }
  /** POST sales/:id/remind: these users get `flash_sale_starting` at the start; answers `{ ok, registered, total }`. */
  | { type: 'remind'; user_ids: string[]; discount_percentage?: number }
  /** POST sales/:id/confirm. */
  | { type: 'confirm'; reservation_id: string }
  | ReminderMessage
  | TimerMessage;

export function saleAddress(id: string): string {
  return `sale:${id}`;
}

export function saleChannel(id: string): string {
  return `sale:${id}`;
}
