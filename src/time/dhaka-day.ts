// The calendar day in Dhaka (UTC+06:00 all year, no daylight saving) of an
// instant: what prayer times, festivals and Bengali dates are reckoned by,
// whatever time zone the process runs in.
const DHAKA_OFFSET_MS = 6 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface DhakaDay {
  year: number;
  /** 1 to 12 */
  month: number;
  day: number;
  /** 0 Sunday .. 5 Friday, 6 Saturday */
  weekday: number;
  /** Dhaka midnight that starts the day, ms since the epoch. */
  startMs: number;
}

export function dhakaDay(ms: number): DhakaDay {
  const local = ms + DHAKA_OFFSET_MS;
  const startLocal = Math.floor(local / DAY_MS) * DAY_MS;
  const d = new Date(startLocal);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay(), startMs: startLocal - DHAKA_OFFSET_MS };
}

/** Dhaka midnight starting year-month-day (month 1..12), ms since the epoch. */
export function dhakaMidnight(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) - DHAKA_OFFSET_MS;
}

/** Dhaka wall time year-month-day hh:mm, ms since the epoch. */
export function dhakaTime(year: number, month: number, day: number, hour = 0, minute = 0): number {
  return dhakaMidnight(year, month, day) + (hour * 60 + minute) * 60_000;
}
