// POST campaigns (README "Prayer times, festivals and Bengali dates"),
// validated at the edge and turned into the campaign actor's spec: the
// template is rendered once here so that a missing or bad parameter is a 400
// now, not a failure on Eid morning; a festival anchor becomes a window in
// Dhaka time.
import { z } from 'zod';
import { nanoid } from 'nanoid';
import { HaatError } from '../errors.ts';
import { renderBoth } from '../domain/notification/notify.ts';
import type { CampaignSpec, FestivalAnchor } from '../domain/campaign/rules.ts';
import { NOTIFICATION_TYPES } from '../i18n/notification-types.ts';
import { parseIsoWithOffset } from '../time/iso.ts';
import { DEFAULT_HIJRI_ADJUST_DAYS, FESTIVALS, MAX_HIJRI_ADJUST_DAYS, festivalDays, nextFestival } from '../time/festivals.ts';
import { parseChannel } from './acl.ts';
import { jsonObject, resourceId } from './frames.ts';

const isoTime = z
  .string()
  .max(64)
  .refine((t) => parseIsoWithOffset(t) !== undefined, 'must be ISO 8601 with an offset, e.g. 2027-03-10T09:00:00+06:00')
  .describe('ISO 8601 with an offset, e.g. 2027-03-10T09:00:00+06:00');
/** Channels a campaign may speak on: the public commerce namespaces. */
const CAMPAIGN_NAMESPACES = new Set(['promo', 'category', 'product', 'sale']);
const MAX_RECIPIENTS = 10_000;
/** A campaign may be set up this far ahead (next year's Eid included). */
const MAX_AHEAD_MS = 400 * 24 * 3600 * 1000;
const MAX_WINDOW_MS = 30 * 24 * 3600 * 1000;

const audience = z.union([
  z.strictObject({ user_ids: z.array(z.string().min(1).max(128)).min(1).max(MAX_RECIPIENTS) }),
  z.strictObject({ channel: z.string().min(1).max(200) }),
]);

export const campaignBody = z.strictObject({
  id: resourceId.optional(),
  title: z.string().min(1).max(200).optional(),
  notification_type: z.enum(NOTIFICATION_TYPES),
  params: jsonObject.optional(),
  data: jsonObject.optional(),
  priority: z.enum(['low', 'normal', 'high', 'critical']).optional(),
  audience,
  starts_at: isoTime.optional(),
  ends_at: isoTime.optional(),
  festival: z
    .strictObject({
      name: z.enum(FESTIVALS),
      /** The Gregorian year of the festival; absent: the next one (today included). */
      year: z.number().int().min(2000).max(2100).optional(),
      /** Days added to the Umm al-Qura date of an Eid (moon sighting in Bangladesh); default +1. */
      adjust_days: z.number().int().min(-MAX_HIJRI_ADJUST_DAYS).max(MAX_HIJRI_ADJUST_DAYS).optional(),
      /** Dhaka wall time the window opens on the festival day; default 09:00. */
      at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (Dhaka time)').optional(),
      /** How long the window lasts; default 24. */
      hours: z.number().int().min(1).max(72).optional(),
    })
    .optional(),
});

export type CampaignBody = z.infer<typeof campaignBody>;

function window(b: CampaignBody, now: number): { startsAt: number; endsAt: number; festival: FestivalAnchor | null } {
  if (b.festival !== undefined) {
    if (b.starts_at !== undefined || b.ends_at !== undefined) throw new HaatError('bad_request', 'festival: give either a festival or starts_at and ends_at, not both');
    const f = b.festival;
    const adjust = f.name === 'eid_ul_fitr' || f.name === 'eid_ul_adha' ? (f.adjust_days ?? DEFAULT_HIJRI_ADJUST_DAYS) : 0;
    const day = f.year === undefined ? nextFestival(f.name, now, adjust) : festivalDays(f.name, f.year, adjust)[0];
    if (day === undefined) throw new HaatError('bad_request', `festival.year: no ${f.name} in ${f.year}`);
    const [h, m] = (f.at ?? '09:00').split(':').map(Number) as [number, number];
    const startsAt = day.startMs + (h * 60 + m) * 60_000;
    const ymd = `${day.year}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;
    const endsAt = startsAt + (f.hours ?? 24) * 3600_000;
    if (endsAt <= now) throw new HaatError('bad_request', `festival: ${f.name} ${ymd} has passed`);
    return { startsAt, endsAt, festival: { name: f.name, day: ymd, adjust_days: adjust } };
  }
  if (b.starts_at === undefined) throw new HaatError('bad_request', 'starts_at: required (or a festival)');
  if (b.ends_at === undefined) throw new HaatError('bad_request', 'ends_at: required (or a festival)');
  return { startsAt: parseIsoWithOffset(b.starts_at)!, endsAt: parseIsoWithOffset(b.ends_at)!, festival: null };
}

export function campaignSpec(b: CampaignBody, now: number): CampaignSpec {
  const w = window(b, now);
  if (w.endsAt <= w.startsAt) throw new HaatError('bad_request', 'ends_at: must be after starts_at');
  if (w.endsAt <= now) throw new HaatError('bad_request', 'ends_at: must be in the future');
  if (w.startsAt - now > MAX_AHEAD_MS) throw new HaatError('bad_request', 'starts_at: at most 400 days ahead');
  if (w.endsAt - w.startsAt > MAX_WINDOW_MS) throw new HaatError('bad_request', 'ends_at: a window lasts at most 30 days');
  if ('channel' in b.audience) {
    const ch = parseChannel(b.audience.channel);
    if (!ch || !CAMPAIGN_NAMESPACES.has(ch.namespace)) throw new HaatError('bad_request', 'audience.channel: must be a promo:, category:, product: or sale: channel');
  }
  const params = b.params ?? {};
  // Throws bad_request naming the parameter.
  renderBoth(b.notification_type, params);
  return {
    id: b.id ?? `c_${nanoid(12).replace(/[^A-Za-z0-9_-]/g, '_')}`,
    title: b.title ?? null,
    notification_type: b.notification_type,
    params,
    data: b.data ?? {},
    priority: b.priority ?? 'low',
    audience: 'channel' in b.audience ? { kind: 'channel', channel: b.audience.channel } : { kind: 'users', user_ids: [...new Set(b.audience.user_ids)] },
    startsAt: w.startsAt,
    endsAt: w.endsAt,
    festival: w.festival,
  };
}
