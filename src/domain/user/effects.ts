// What a user actor hands to its node's main thread (ctx.emit, after its save
// commits): frames for the user's devices, and records for the store (the
// system of record; the actor's own persisted state is what it reads back).
import type { NotificationRecord } from '../../store/realtime-notifications.ts';
import type { PresenceRecord } from '../../store/user-presence.ts';
import { toDhakaIso } from '../../time/clock.ts';
import type { Lang } from './messages.ts';
import type { StoredNotification } from './rules.ts';

/** Notification frames for some of the user's sessions, by node (the main thread forwards to other nodes). */
export interface DeliverEmit {
  k: 'deliver';
  user: string;
  targets: Record<string, string[]>;
  /** The same frames in the languages of the target sessions, encoded once: a session gets those of its own language. */
  frames: Partial<Record<Lang, string[]>>;
  /** realtime_events ids (POST notifications) whose delivered count goes up by one. */
  events: string[];
}

export interface UserStoreEmit {
  k: 'user_store';
  presence?: PresenceRecord;
  inserted?: NotificationRecord[];
  statuses?: { user_id: string; id: string; status: 'delivered' | 'acked'; at: number }[];
}

export function notificationFrame(n: StoredNotification, lang: Lang): string {
  return JSON.stringify({
    type: 'notification',
    id: n.id,
    notification_type: n.notification_type,
    priority: n.priority,
    title: n.title[lang],
    message: n.message[lang],
    data: n.data,
    created_at: toDhakaIso(n.created_at),
  });
}

/** The frames of `items` in each of `langs` (only the languages of the devices that get them). */
export function framesOf(items: readonly StoredNotification[], langs: Iterable<Lang>): Partial<Record<Lang, string[]>> {
  const frames: Partial<Record<Lang, string[]>> = {};
  for (const lang of langs) frames[lang] ??= items.map((n) => notificationFrame(n, lang));
  return frames;
}

export function notificationRecord(user: string, n: StoredNotification): NotificationRecord {
  return {
    id: n.id,
    user_id: user,
    notification_type: n.notification_type,
    title: n.title,
    message: n.message,
    data: n.data,
    priority: n.priority,
    channel: null,
    status: n.status,
    created_at: n.created_at,
    delivered_at: n.delivered_at,
    acked_at: n.acked_at,
    expires_at: n.expires_at,
  };
}

/** GET notifications shows one language: the asker's. */
export function notificationView(n: StoredNotification, lang: Lang): object {
  return {
    id: n.id,
    notification_type: n.notification_type,
    title: n.title[lang],
    message: n.message[lang],
    data: n.data,
    priority: n.priority,
    status: n.status,
    created_at: toDhakaIso(n.created_at),
    delivered_at: n.delivered_at === null ? null : toDhakaIso(n.delivered_at),
    acked_at: n.acked_at === null ? null : toDhakaIso(n.acked_at),
  };
}
