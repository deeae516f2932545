// One way to tell a user something (PROTOCOL.md §5): notify(user, type, params).
// Until the user actors with their offline queue exist, a notification is an
// event on the user's own channel `user:{id}` (high priority, `event_type` the
// notification type, `data` the params); that later work replaces this body,
// and every caller stays as it is.
import { outboxEntry, type OutboxEntry } from '../commerce/outbox.ts';

export type NotificationType =
  | 'price_drop_alert'
  | 'restock_notification'
  | 'promotion_alert'
  | 'order_reminder'
  | 'order_status_update'
  | 'payment_status_update'
  | 'shipping_update'
  | 'delivery_confirmation'
  | 'auction_won'
  | 'auction_outbid'
  | 'flash_sale_starting'
  | 'chat_message';

/**
 * The notification as an outbox entry of the notifying actor: it leaves after
 * the actor's save commits, at most once per `dedupe` (unique per user).
 */
export function notify(userId: string, type: NotificationType, params: Record<string, unknown>, dedupe: string): OutboxEntry {
  return outboxEntry(`user:${userId}`, type, { notification_type: type, ...params }, 'high', dedupe);
}
