// One way to tell a user something (PROTOCOL.md §5): notify(user, type, params).
// The notification is rendered here, once per language, from the templates of
// locales/{en,bn}, and leaves as an outbox entry of the notifying actor: after
// its save commits it goes to the user's actor, which queues it (offline
// queue) and delivers it to every connected device as a `notification` frame.
// Its id is derived from `dedupe`, so a replayed outbox queues it only once.
import { hash } from 'node:crypto';
import { loadNotificationTemplates } from '../../i18n/load-templates.ts';
import { notificationRenderer, type RenderNotification } from '../../i18n/render.ts';
import type { NotificationType as TemplateType } from '../../i18n/notification-types.ts';
import type { NewNotification, NotificationPriority } from '../user/messages.ts';
import type { NotifyEntry } from '../commerce/outbox.ts';

export type NotificationType = TemplateType;

/** What `POST notifications` gives a notification without `priority` (haat's own notify() defaults to high). */
export const DEFAULT_NOTIFICATION_PRIORITY = 'normal';

/** A notification without ttl_s lives this long (config `users.defaultTtlS` is the REST default). */
export const DOMAIN_NOTIFICATION_TTL_MS = 7 * 24 * 3600 * 1000;

let renderer: RenderNotification | undefined;
/** Templates are read once per thread, when the first notification is rendered. */
export function renderNotification(): RenderNotification {
  return (renderer ??= notificationRenderer(loadNotificationTemplates()));
}

/** A stable notification id for a dedupe key (unique per user). */
export function notificationId(dedupe: string): string {
  return `nt_${hash('sha256', dedupe, 'base64url').slice(0, 22)}`;
}

export interface NotifyOptions {
  /** What the client gets as `data` (ids, action_url...). */
  data: Record<string, unknown>;
  priority?: NotificationPriority;
  now: number;
  ttlMs?: number;
}

/** Renders a notification in both languages; throws bad_request naming a missing or bad parameter. */
export function renderBoth(type: string, params: Readonly<Record<string, unknown>>): Pick<NewNotification, 'title' | 'message'> {
  const render = renderNotification();
  const en = render(type, 'en', params);
  const bn = render(type, 'bn', params);
  return { title: { en: en.title, bn: bn.title }, message: { en: en.message, bn: bn.message } };
}

/**
 * What an outbox saves of a notification: its type and parameters, not its
 * text. The text in both languages is most of the bytes (Bengali makes every
 * string that holds it two bytes a character), and an auction saves its
 * outbox with every accepted bid; the text is rendered again when the entry
 * is sent (the templates are the same on every node of a release).
 */
export interface NotificationSpec {
  id: string;
  notification_type: NotificationType;
  params: Record<string, unknown>;
  data: Record<string, unknown>;
  priority: NotificationPriority;
  created_at: number;
  expires_at: number;
}

/** The notification an entry made by notify() in this activation already rendered (a replayed entry is rendered again). */
const rendered = new WeakMap<NotifyEntry, NewNotification>();

function fromSpec(spec: NotificationSpec): NewNotification {
  return {
    id: spec.id,
    notification_type: spec.notification_type,
    ...renderBoth(spec.notification_type, spec.params),
    data: spec.data,
    priority: spec.priority,
    created_at: spec.created_at,
    expires_at: spec.expires_at,
  };
}

/** Renders now (so bad parameters fail before the notifying actor's save, as bad_request) and answers an outbox entry that keeps only the spec. */
export function notify(userId: string, type: NotificationType, params: Record<string, unknown>, dedupe: string, o: NotifyOptions): NotifyEntry {
  const spec: NotificationSpec = {
    id: notificationId(`${userId}|${dedupe}`),
    notification_type: type,
    params,
    data: o.data,
    priority: o.priority ?? 'high',
    created_at: o.now,
    expires_at: o.now + (o.ttlMs ?? DOMAIN_NOTIFICATION_TTL_MS),
  };
  const entry: NotifyEntry = { kind: 'notify', user: userId, spec };
  rendered.set(entry, fromSpec(spec));
  return entry;
}

/** The notification of an outbox entry: made by notify(), or saved (as a spec, or rendered by an earlier release). */
export function notificationOf(e: NotifyEntry): NewNotification {
  const done = rendered.get(e) ?? e.notification;
  if (done !== undefined) return done;
  if (e.spec === undefined) throw new Error(`outbox entry for ${e.user} holds no notification`);
  const n = fromSpec(e.spec);
  rendered.set(e, n);
  return n;
}
