// `realtime_notifications`: a user's notifications with their delivery
// status. Status only moves forward: queued → delivered → acked, and queued or
// delivered → expired once expires_at has passed (expired and acked are final).
import type { Page, PageRequest } from './page.ts';

/** How long a record is kept after its expires_at (MongoDB's TTL index; the memory store's sweep). */
export const NOTIFICATION_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

export type NotificationStatus = 'queued' | 'delivered' | 'acked' | 'expired';

/** Rendered once per language: the connection's language picks one at delivery. */
export interface Rendered {
  en: string;
  bn: string;
}

export interface NotificationRecord {
  id: string;
  user_id: string;
  notification_type: string;
  title: Rendered;
  message: Rendered;
  data: unknown;
  priority: 'low' | 'normal' | 'high' | 'critical';
  /** The channel it also went out on, if any. */
  channel: string | null;
  status: NotificationStatus;
  created_at: number;
  delivered_at: number | null;
  acked_at: number | null;
  expires_at: number;
}

export interface NotificationFilter {
  status?: NotificationStatus;
}

export interface RealtimeNotifications {
  /** Records new notifications as they are (queued, or delivered when delivered as they were queued); `conflict` when an id exists. */
  insertMany(records: readonly NotificationRecord[]): Promise<void>;
  get(id: string): Promise<NotificationRecord | null>;
  /**
   * Moves a user's notification to `status` at `at` when the order allows
   * (first delivered_at and acked_at are kept); answers the record as it is
   * now, or null when the user has no such notification.
   */
  setStatus(userId: string, id: string, status: 'delivered' | 'acked', at: number): Promise<NotificationRecord | null>;
  /** A user's notifications, newest first, optionally of one status. */
  listByUser(userId: string, filter?: NotificationFilter, page?: PageRequest): Promise<Page<NotificationRecord>>;
  /** Marks every queued or delivered notification with expires_at <= now as expired; answers how many. */
  expireDue(now: number): Promise<number>;
}
