// The festivals a campaign can be anchored to (README "Prayer times,
// festivals and Bengali dates"), as Dhaka calendar days. Pure.
//
// - Eid-ul-Fitr (1 Shawwal) and Eid-ul-Adha (10 Dhu al-Hijjah) come from the
//   Hijri calendar, computed by ICU's `islamic-umalqura` (Saudi Arabia's
//   tabular-astronomical calendar). Bangladesh fixes its Eids by local moon
//   sighting, usually one day after Umm al-Qura (Eid-ul-Fitr 11 April 2024,
//   31 March 2025; Eid-ul-Adha 17 June 2024, 7 June 2025, each a day after
//   Umm al-Qura's), so the default adjustment is +1 day; a campaign may set
//   -2..+2 when the moon-sighting committee announces otherwise.
// - Pohela Boishakh (14 April), Victory Day (16 December) and Independence
//   Day (26 March) are fixed Gregorian days (the 2019 revision of the Bengali
//   calendar keeps 1 Boishakh on 14 April).
import { dhakaDay, dhakaMidnight } from './dhaka-day.ts';

export const FESTIVALS = ['eid_ul_fitr', 'eid_ul_adha', 'pohela_boishakh', 'victory_day', 'independence_day'] as const;
export type Festival = (typeof FESTIVALS)[number];

/** Bangladesh usually keeps Eid a day after Umm al-Qura's date. */
export const DEFAULT_HIJRI_ADJUST_DAYS = 1;
export const MAX_HIJRI_ADJUST_DAYS = 2;

export interface FestivalDay {
  festival: Festival;
  year: number;
  month: number;
  day: number;
  /** Dhaka midnight that starts it, ms since the epoch. */
  startMs: number;
}

const DAY_MS = 24 * 3600 * 1000;
const HIJRI = new Intl.DateTimeFormat('en-u-ca-islamic-umalqura-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });

/** Hijri month and day of a Gregorian day. */
function hijriOf(utcMidnight: number): { month: number; day: number } {
  let month = 0;
  let day = 0;
  for (const p of HIJRI.formatToParts(utcMidnight)) {
    if (p.type === 'month') month = Number(p.value);
    else if (p.type === 'day') day = Number(p.value);
  }
  return { month, day };
}

const HIJRI_ANCHORS: Record<'eid_ul_fitr' | 'eid_ul_adha', { month: number; day: number }> = {
  eid_ul_fitr: { month: 10, day: 1 },
  eid_ul_adha: { month: 12, day: 10 },
};

const cache = new Map<string, number[]>();

/** Umm al-Qura's days (UTC midnights of the Gregorian dates) of a Hijri anchor within Gregorian `year` (one, rarely two). */
function hijriDays(f: 'eid_ul_fitr' | 'eid_ul_adha', year: number): number[] {
  const key = `${f}|${year}`;
  let days = cache.get(key);
  if (days !== undefined) return days;
  days = [];
  const want = HIJRI_ANCHORS[f];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += DAY_MS) {
    const h = hijriOf(t);
    if (h.month === want.month && h.day === want.day) days.push(t);
  }
  cache.set(key, days);
  return days;
}

function toFestivalDay(festival: Festival, utcMidnight: number): FestivalDay {
  const d = new Date(utcMidnight);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return { festival, year, month, day, startMs: dhakaMidnight(year, month, day) };
}

/**
 * The festival's days whose Umm al-Qura (unadjusted) date falls in Gregorian
 * `year`, moved by `adjustDays` for the Eids (ignored for the fixed days).
 */
export function festivalDays(festival: Festival, year: number, adjustDays = DEFAULT_HIJRI_ADJUST_DAYS): FestivalDay[] {
  switch (festival) {
    case 'eid_ul_fitr':
    case 'eid_ul_adha':
      return hijriDays(festival, year).map((t) => toFestivalDay(festival, t + adjustDays * DAY_MS));
    case 'pohela_boishakh':
      return [toFestivalDay(festival, Date.UTC(year, 3, 14))];
    case 'victory_day':
      return [toFestivalDay(festival, Date.UTC(year, 11, 16))];
    case 'independence_day':
      return [toFestivalDay(festival, Date.UTC(year, 2, 26))];
    default: {
      const never: never = festival;
      throw new Error(`unknown festival ${String(never)}`);
    }
  }
}

/** The first day of the festival that is today or later in Dhaka (looks two years ahead). */
export function nextFestival(festival: Festival, now: number, adjustDays = DEFAULT_HIJRI_ADJUST_DAYS): FestivalDay {
  const today = dhakaDay(now);
  for (let y = today.year - 1; y <= today.year + 2; y++) {
    for (const f of festivalDays(festival, y, adjustDays)) if (f.startMs >= today.startMs) return f;
  }
  throw new Error(`no ${festival} found within two years of ${today.year}`);
}
