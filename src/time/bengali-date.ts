// The Bengali calendar (Bangabda) as Bangladesh has kept it since its 2019
// revision: 1 Boishakh is always 14 April; Boishakh to Ashwin have 31 days,
// Kartik to Magh and Choitro 30, Falgun 29, or 30 when the February it
// contains is a Gregorian leap February. So Victory Day (16 December) is
// always 1 Poush, Language Martyrs' Day (21 February) 8 Falgun and
// Independence Day (26 March) 12 Choitro.
//
// npm's date-bengali-revised (2.0.2) still uses the 1987 month lengths, which
// puts mid-October to mid-February one day off (it gives 2 Poush for 16
// December and 9 Falgun for 21 February); the conversion is a few lines, so
// it is written here rather than patched.
// Pure: reckoned on Dhaka's calendar day of the instant.
import { dhakaDay } from './dhaka-day.ts';

export interface BengaliDate {
  /** Bangabda, e.g. 1433 from 14 April 2026 */
  year: number;
  /** 1 Boishakh .. 12 Choitro */
  month: number;
  day: number;
}

// NFC text: য় and ঢ় are written as base letter + nukta (NFC decomposes the precomposed forms).
export const BENGALI_MONTHS = {
  bn: ['বৈশাখ', 'জ্যৈষ্ঠ', 'আষাঢ\u09bc', 'শ্রাবণ', 'ভাদ্র', 'আশ্বিন', 'কার্তিক', 'অগ্রহায\u09bcণ', 'পৌষ', 'মাঘ', 'ফাল্গুন', 'চৈত্র'],
  en: ['Boishakh', 'Joishtho', 'Asharh', 'Srabon', 'Bhadro', 'Ashwin', 'Kartik', 'Agrahayan', 'Poush', 'Magh', 'Falgun', 'Choitro'],
} as const;

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAY_MS = 24 * 3600 * 1000;

/** Month lengths of the Bengali year that starts on 14 April of Gregorian `gYear`. */
function monthLengths(gYear: number): number[] {
  return [31, 31, 31, 31, 31, 31, 30, 30, 30, 30, isLeap(gYear + 1) ? 30 : 29, 30];
}

/** The Bengali date of a Gregorian day (month 1..12). */
export function bengaliDateOf(gYear: number, gMonth: number, gDay: number): BengaliDate {
  const beforeBoishakh = gMonth < 4 || (gMonth === 4 && gDay < 14);
  const startYear = beforeBoishakh ? gYear - 1 : gYear;
  let offset = Math.round((Date.UTC(gYear, gMonth - 1, gDay) - Date.UTC(startYear, 3, 14)) / DAY_MS);
  const lengths = monthLengths(startYear);
  let month = 0;
  while (offset >= lengths[month]!) offset -= lengths[month++]!;
  return { year: startYear - 593, month: month + 1, day: offset + 1 };
}

/** The Bengali date of Dhaka's calendar day at `ms`. */
export function bengaliDate(ms: number): BengaliDate {
  const d = dhakaDay(ms);
  return bengaliDateOf(d.year, d.month, d.day);
}

const BN_DIGITS = new Intl.NumberFormat('bn-BD', { useGrouping: false });

/** `১ পৌষ` (with `withYear`: `১ পৌষ ১৪৩৩`) / `1 Poush 1433`. */
export function formatBengaliDate(lang: 'en' | 'bn', b: BengaliDate, withYear = false): string {
  const digits = (n: number): string => (lang === 'bn' ? BN_DIGITS.format(n) : String(n));
  const text = `${digits(b.day)} ${BENGALI_MONTHS[lang][b.month - 1]}`;
  return withYear ? `${text} ${digits(b.year)}` : text;
}
