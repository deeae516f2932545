// Numbers, prices, percentages and Dhaka times in English or Bengali text,
// all through Intl (Node ships full ICU). Formatters are built once: building
// an Intl object costs far more than formatting with it.
import type { Lang } from './notification-types.ts';
import { bengaliDate, formatBengaliDate } from '../time/bengali-date.ts';

const TIME_ZONE = 'Asia/Dhaka';
/** Intl's own symbol for BDT (narrowSymbol in every locale). */
const TAKA = '৳';

function numberFormats(locale: string) {
  return {
    whole: new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }),
    paisa: new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    percent: new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }),
  };
}

// bn-BD groups in lakhs and crores (১২,৩৪,৫৬৭) as Bangladeshis write; English
// text keeps the international grouping (1,234,567).
const NUMBERS: Record<Lang, ReturnType<typeof numberFormats>> = { en: numberFormats('en'), bn: numberFormats('bn-BD') };

/**
 * `৳1,350` / `৳১,৩৫০`, `৳1,350.50` / `৳১,৩৫০.৫০`. Intl's currency style gives
 * `BDT 1,350.00` in English and `১,৩৫০.০০৳` in Bengali; shop fronts in
 * Bangladesh put ৳ first and show paisa only when there are any, so the
 * digits come from Intl and the sign goes in front.
 */
export function formatPrice(lang: Lang, taka: number): string {
  const f = NUMBERS[lang];
  const whole = Math.round(taka * 100) % 100 === 0;
  return TAKA + (whole ? f.whole : f.paisa).format(taka);
}

/** A count in running text: `16385` / `১৬,৩৮৫` (English keeps the plain digits that error messages always had). */
export function formatNumber(lang: Lang, n: number): string {
  return lang === 'en' ? String(n) : NUMBERS.bn.whole.format(n);
}

/** 10 → `10%` / `১০%`; 12.5 → `12.5%` / `১২.৫%`. */
export function formatPercent(lang: Lang, percent: number): string {
  return NUMBERS[lang].percent.format(percent / 100);
}

const DATE: Record<Lang, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, day: 'numeric', month: 'short' }),
  bn: new Intl.DateTimeFormat('bn-BD', { timeZone: TIME_ZONE, day: 'numeric', month: 'long' }),
};
// en-US, not en-GB: en-GB with a 12-hour clock writes noon as `0:00 pm`.
const EN_TIME = new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, hour: 'numeric', minute: '2-digit', hour12: true });
const BN_TIME = new Intl.DateTimeFormat('bn-BD', { timeZone: TIME_ZONE, hour: 'numeric', minute: '2-digit', dayPeriod: 'short' });

/**
 * `24 Nov` / `২৪ নভেম্বর, ৯ অগ্রহায়ণ` (Dhaka's calendar day; no year:
 * notifications speak of the coming days). Bengali text adds the day of the
 * Bengali calendar (Bangladesh's 2019 revision, src/time/bengali-date.ts),
 * as Bangladeshi newspapers write their datelines.
 */
export function formatDate(lang: Lang, epochMs: number): string {
  const gregorian = DATE[lang].format(epochMs);
  return lang === 'bn' ? `${gregorian}, ${formatBengaliDate('bn', bengaliDate(epochMs))}` : gregorian;
}

/**
 * `7:05 PM` / `সন্ধ্যা ৭:০৫`. Intl writes the Bengali day period after the time
 * (`৭:০৫ সন্ধ্যা`) and says `রাত্রি`; people write it first and say `রাত`.
 */
export function formatTime(lang: Lang, epochMs: number): string {
  if (lang === 'en') return EN_TIME.format(epochMs);
  let period = '';
  let clock = '';
  for (const part of BN_TIME.formatToParts(epochMs)) {
    if (part.type === 'dayPeriod') period = part.value === 'রাত্রি' ? 'রাত' : part.value;
    else clock += part.value;
  }
  clock = clock.trim();
  return period === '' ? clock : `${period} ${clock}`;
}

/** `24 Nov, 7:05 PM` / `২৪ নভেম্বর, ৯ অগ্রহায়ণ, সন্ধ্যা ৭:০৫`. */
export function formatDateTime(lang: Lang, epochMs: number): string {
  return `${formatDate(lang, epochMs)}, ${formatTime(lang, epochMs)}`;
}
