// The campaign rules: no I/O, no clock of their own. A campaign sends one
// notification template to an audience once, at its window's start: to a
// list of users through notify() (each user's actor queues it, and holds a
// low-priority promotion through a prayer's quiet window), or to a channel as
// one `campaign` event. What it sends expires at the window's end.
import type { Festival } from '../../time/festivals.ts';
import { toDhakaIso } from '../../time/clock.ts';
import type { NotificationPriority } from '../user/messages.ts';
import type { Priority } from '../channel/rules.ts';
import { notify, renderBoth, type NotificationType } from '../notification/notify.ts';
import { outboxEntry, type OutboxEntry } from '../commerce/outbox.ts';

export type Audience = { kind: 'users'; user_ids: string[] } | { kind: 'channel'; channel: string };

export interface FestivalAnchor {
  name: Festival;
  /** The festival's Dhaka calendar day, YYYY-MM-DD (after the adjustment). */
  day: string;
  /** Days added to the Umm al-Qura date (the Eids; 0 for fixed days). */
  adjust_days: number;
}

export interface CampaignSpec {
  id: string;
  title: string | null;
  notification_type: NotificationType;
  params: Record<string, unknown>;
  data: Record<string, unknown>;
  priority: NotificationPriority;
  audience: Audience;
  startsAt: number;
  endsAt: number;
  festival: FestivalAnchor | null;
}

export type CampaignStatus = 'scheduled' | 'sent' | 'missed';

export interface Campaign extends CampaignSpec {
  status: CampaignStatus;
  createdAt: number;
  sentAt: number | null;
  /** Users notified, or 1 for a channel event. */
  sent: number;
}

export function newCampaign(spec: CampaignSpec, now: number): Campaign {
  return { ...spec, status: 'scheduled', createdAt: now, sentAt: null, sent: 0 };
}

export type FireVerdict = { kind: 'early' } | { kind: 'done' } | { kind: 'missed' } | { kind: 'send'; entries: OutboxEntry[] };

/**
 * What the campaign does when its reminder comes at `now`: nothing yet
 * (early), nothing again (done), give up (the window ended before it could
 * fire: a node down all through it), or send.
 */
export function fire(c: Campaign, now: number): FireVerdict {
  if (c.status !== 'scheduled') return { kind: 'done' };
  if (now < c.startsAt) return { kind: 'early' };
  if (now >= c.endsAt) return { kind: 'missed' };
  const data = { ...c.data, campaign_id: c.id };
  const ttlMs = c.endsAt - now;
  const audience = c.audience;
  switch (audience.kind) {
    case 'users':
      return { kind: 'send', entries: audience.user_ids.map((u) => notify(u, c.notification_type, c.params, `campaign:${c.id}`, { data, priority: c.priority, now, ttlMs })) };
    case 'channel': {
      // One event for every subscriber: both languages in it (the client shows its own).
      const text = renderBoth(c.notification_type, c.params);
      const payload = { campaign_id: c.id, notification_type: c.notification_type, title: text.title, message: text.message, data, expires_at: toDhakaIso(c.endsAt) };
      return { kind: 'send', entries: [outboxEntry(audience.channel, 'campaign', payload, channelPriority(c.priority), `campaign|${c.id}`)] };
    }
    default: {
      const never: never = audience;
      throw new Error(`unknown audience ${JSON.stringify(never)}`);
    }
  }
}

/** Channels know no `critical`: it travels as `high`. */
function channelPriority(p: NotificationPriority): Priority {
  return p === 'critical' ? 'high' : p;
}

export function markSent(c: Campaign, entries: number, now: number): void {
  c.status = 'sent';
  c.sentAt = now;
  c.sent = entries;
}

export function markMissed(c: Campaign): void {
  c.status = 'missed';
}

/** GET campaigns/:id. */
export function campaignView(c: Campaign): Record<string, unknown> {
  return {
    id: c.id,
    title: c.title,
    status: c.status,
    notification_type: c.notification_type,
    params: c.params,
    data: c.data,
    priority: c.priority,
    audience: c.audience.kind === 'users' ? { user_ids: c.audience.user_ids } : { channel: c.audience.channel },
    starts_at: toDhakaIso(c.startsAt),
    ends_at: toDhakaIso(c.endsAt),
    festival: c.festival,
    created_at: toDhakaIso(c.createdAt),
    sent_at: c.sentAt === null ? null : toDhakaIso(c.sentAt),
    sent: c.sent,
  };
}
