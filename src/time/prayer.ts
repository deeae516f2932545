// Prayer times in the eight divisions of Bangladesh, and the quiet windows
// after each prayer's start during which promotional notifications wait
// (README "Prayer times, festivals and Bengali dates"). Pure: the time is an
// argument, nothing reads a clock.
//
// Bangladesh (Islamic Foundation) computes with the University of Islamic
// Sciences, Karachi method (Fajr and Isha at 18°) and the Hanafi Asr (shadow
// twice the object's length); adhan's default Shafi Asr would be about 40 to
// 60 minutes early. adhan reads the local year/month/day of the Date it is
// given, so the day is built from Dhaka's calendar day, never the process's.
import { CalculationMethod, Coordinates, Madhab, PrayerTimes, type CalculationParameters } from 'adhan';
import { dhakaDay, type DhakaDay } from './dhaka-day.ts';
import { DIVISION_COORDINATES, type Division } from './divisions.ts';

export type Prayer = 'fajr' | 'dhuhr' | 'asr' | 'maghrib' | 'isha' | 'jumuah';

export interface QuietSettings {
  /** Minutes of quiet from the start of each of the five prayers. */
  afterMinutes: number;
  /** On Friday the midday prayer is Jumu'ah (sermon and prayer): minutes of quiet from Dhuhr's start. */
  jumuahMinutes: number;
}

export interface QuietWindow {
  prayer: Prayer;
  /** ms since the epoch */
  start: number;
  end: number;
}

function parameters(): CalculationParameters {
  const p = CalculationMethod.Karachi();
  p.madhab = Madhab.Hanafi;
  return p;
}
const PARAMS = parameters();

export type PrayerStarts = Record<'fajr' | 'sunrise' | 'dhuhr' | 'asr' | 'maghrib' | 'isha', number>;

/** The start of each prayer (and sunrise) on a Dhaka calendar day, ms since the epoch. */
export function prayerStarts(division: Division, day: DhakaDay): PrayerStarts {
  const c = DIVISION_COORDINATES[division];
  // adhan takes the Date's local y/m/d: a local midnight of that day, whatever the process's zone.
  const t = new PrayerTimes(new Coordinates(c.lat, c.lng), new Date(day.year, day.month - 1, day.day), PARAMS);
  return { fajr: t.fajr.getTime(), sunrise: t.sunrise.getTime(), dhuhr: t.dhuhr.getTime(), asr: t.asr.getTime(), maghrib: t.maghrib.getTime(), isha: t.isha.getTime() };
}

/** The five quiet windows of a Dhaka calendar day, in order; on Friday the midday one is Jumu'ah. */
export function quietWindows(division: Division, day: DhakaDay, q: QuietSettings): QuietWindow[] {
  const s = prayerStarts(division, day);
  const min = 60_000;
  const friday = day.weekday === 5;
  return [
    { prayer: 'fajr', start: s.fajr, end: s.fajr + q.afterMinutes * min },
    friday ? { prayer: 'jumuah', start: s.dhuhr, end: s.dhuhr + q.jumuahMinutes * min } : { prayer: 'dhuhr', start: s.dhuhr, end: s.dhuhr + q.afterMinutes * min },
    { prayer: 'asr', start: s.asr, end: s.asr + q.afterMinutes * min },
    { prayer: 'maghrib', start: s.maghrib, end: s.maghrib + q.afterMinutes * min },
    { prayer: 'isha', start: s.isha, end: s.isha + q.afterMinutes * min },
  ];
}

const DAY_MS = 24 * 3600 * 1000;

/** The quiet windows of the day before, the day and the day after `day`, overlapping ones merged into one stretch. */
function mergedWindows(division: Division, day: DhakaDay, q: QuietSettings): QuietWindow[] {
  const all = [dhakaDay(day.startMs - DAY_MS), day, dhakaDay(day.startMs + DAY_MS)].flatMap((d) => quietWindows(division, d, q)).filter((w) => w.end > w.start);
  const out: QuietWindow[] = [];
  for (const w of all) {
    const last = out[out.length - 1];
    if (last !== undefined && w.start <= last.end) last.end = Math.max(last.end, w.end);
    else out.push({ ...w });
  }
  return out;
}

/**
 * The quiet window `now` falls in, or undefined. Windows of the day before
 * count too (a long setting could carry Isha's past midnight); windows that
 * overlap (a setting longer than the gap between Maghrib and Isha) are one
 * quiet stretch, named after its first prayer, ending where the last ends.
 */
export function quietWindowAt(division: Division, now: number, q: QuietSettings): QuietWindow | undefined {
  return mergedWindows(division, dhakaDay(now), q).find((w) => w.start <= now && now < w.end);
}

const CACHE = new Map<string, QuietWindow[]>();

/**
 * When the quiet window around `now` ends, or undefined outside one.
 * Memoised quietWindowAt for the hot path (a user actor asks per promotional
 * notification): prayer times change once a day, so each division's windows
 * are computed once per Dhaka day and settings.
 */
export function quietUntil(division: Division, now: number, q: QuietSettings): number | undefined {
  const day = dhakaDay(now);
  const key = `${division}|${day.startMs}|${q.afterMinutes}|${q.jumuahMinutes}`;
  let windows = CACHE.get(key);
  if (windows === undefined) {
    if (CACHE.size >= 64) CACHE.clear();
    windows = mergedWindows(division, day, q);
    CACHE.set(key, windows);
  }
  for (const w of windows) if (w.start <= now && now < w.end) return w.end;
  return undefined;
}
