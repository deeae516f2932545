// What a user actor (`user:{id}`) handles: the user's devices and presence
// (PROTOCOL.md §10 Presence), notifications with their offline queue (§5) and
// the chat rooms the user takes part in (presence changes go to them only).
import type { ReminderMessage, TimerMessage } from '../../actors/behaviour.ts';

export type PresenceStatus = 'online' | 'away' | 'busy' | 'invisible';
export type ShownStatus = PresenceStatus | 'offline';
export type Lang = 'en' | 'bn';
export type NotificationPriority = 'low' | 'normal' | 'high' | 'critical';
export type NotificationStatus = 'queued' | 'delivered' | 'acked' | 'expired';

/** A notification as it is queued: rendered once per language (the connection picks one). */
export interface NewNotification {
  /** Unique per user: a second `notify` with the same id is ignored (at-least-once senders retry). */
  id: string;
  notification_type: string;
  title: { en: string; bn: string };
  message: { en: string; bn: string };
  data: unknown;
  priority: NotificationPriority;
  /** ms since the epoch */
  created_at: number;
  expires_at: number;
  /** The realtime_events record of a POST notifications, whose delivered count this delivery adds to. */
  event_id?: string;
}

/** Who asks for a presence view, so that the actor shows what that viewer may see (§10). */
export interface Viewer {
  /** The user itself, support or admin: sees current_page and shopping_activity. */
  details: boolean;
  /** The user itself or an admin: sees through `invisible` (others are shown `offline`). */
  invisible: boolean;
}

export type UserMessage =
  /** A device connected (gateway open). Answers `{ pending: NotificationFrame[] }`: unacked notifications for that device. */
  | { type: 'connect'; session: string; node: string; lang: Lang; device: string | null; /** The connection's division (`?division=` or the token's claim), for prayer times. */ division?: string | null }
  /** The device left (gateway close). */
  | { type: 'disconnect'; session: string }
  /** A node died (its connections will never say goodbye): its devices leave. */
  | { type: 'node_down'; node: string }
  /** The `presence` frame and PUT presence; answers `{ ok: true }`. */
  | { type: 'presence'; status: PresenceStatus; current_page?: string | null; shopping_activity?: unknown }
  /** GET presence/:id; answers a PresenceView. */
  | { type: 'get_presence'; viewer: Viewer }
  /**
   * Queue and deliver; answers `{ queued: n }` (duplicates by id are not
   * counted), plus `held: n` when low-priority promotions wait for a prayer's
   * quiet window to end (quiet.ts).
   */
  | { type: 'notify'; notifications: NewNotification[]; only_if_offline?: boolean }
  /** The `ack` frame; answers `{ acked: n }` (ids not queued are not counted). */
  | { type: 'ack'; ids: string[] }
  /** GET notifications (in `lang`, else the language of the user's last connection); answers `{ notifications: NotificationView[], next_cursor }`. */
  | { type: 'list_notifications'; status?: NotificationStatus; limit: number; cursor: string | null; lang: Lang | null }
  /** A room actor tells the user it takes part in room `room_id` (presence changes go to the room's channel). */
  | { type: 'room_joined'; room_id: string }
  /**
   * GET chat/rooms: answers `{ rooms: string[] }`, the ids of the user's rooms
   * in order; with `limit`, at most that many above `after` (all from the
   * first when null or absent).
   */
  | { type: 'list_rooms'; after?: string | null; limit?: number }
  | ReminderMessage
  | TimerMessage;

export interface PresenceView {
  user_id: string;
  status: ShownStatus;
  devices: number;
  last_seen: string | null;
  current_page?: string | null;
  shopping_activity?: unknown;
}

export function userAddress(id: string): string {
  return `user:${id}`;
}
