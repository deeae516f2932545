import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bengaliDate, bengaliDateOf, formatBengaliDate } from './bengali-date.ts';
import { dhakaTime } from './dhaka-day.ts';

const show = (y: number, m: number, d: number): string => formatBengaliDate('en', bengaliDateOf(y, m, d), true);

test('the fixed days of the 2019 revision', () => {
  assert.equal(show(2026, 4, 14), '1 Boishakh 1433', 'Pohela Boishakh');
  assert.equal(show(2026, 12, 16), '1 Poush 1433', 'Victory Day');
  assert.equal(show(2027, 2, 21), '8 Falgun 1433', 'Language Martyrs\' Day');
  assert.equal(show(2027, 3, 26), '12 Choitro 1433', 'Independence Day');
  assert.equal(show(2026, 4, 13), '30 Choitro 1432', 'the day before Pohela Boishakh');
});

test('the same days in a leap year (Falgun has 30 days): 21 February and 26 March do not move', () => {
  assert.equal(show(2028, 2, 21), '8 Falgun 1434');
  assert.equal(show(2028, 2, 29), '16 Falgun 1434');
  assert.equal(show(2028, 3, 14), '30 Falgun 1434');
  assert.equal(show(2028, 3, 15), '1 Choitro 1434');
  assert.equal(show(2028, 3, 26), '12 Choitro 1434');
  assert.equal(show(2027, 3, 14), '29 Falgun 1433', 'a common year: Falgun ends on 29');
  assert.equal(show(2027, 3, 15), '1 Choitro 1433');
});

test('month starts: Boishakh to Ashwin 31 days, Kartik to Magh 30 (17 October is 1 Kartik)', () => {
  assert.equal(show(2026, 5, 15), '1 Joishtho 1433');
  assert.equal(show(2026, 9, 16), '1 Ashwin 1433');
  assert.equal(show(2026, 10, 16), '31 Ashwin 1433');
  assert.equal(show(2026, 10, 17), '1 Kartik 1433');
  assert.equal(show(2026, 11, 15), '30 Kartik 1433');
  assert.equal(show(2026, 11, 16), '1 Agrahayan 1433');
  assert.equal(show(2027, 1, 15), '1 Magh 1433');
  assert.equal(show(2027, 2, 14), '1 Falgun 1433');
});

test('every day of ten years follows the one before (no gaps, no repeats)', () => {
  let prev = bengaliDateOf(2024, 1, 1);
  for (let t = Date.UTC(2024, 0, 2); t < Date.UTC(2034, 0, 1); t += 86_400_000) {
    const g = new Date(t);
    const b = bengaliDateOf(g.getUTCFullYear(), g.getUTCMonth() + 1, g.getUTCDate());
    const next = b.day === prev.day + 1 && b.month === prev.month && b.year === prev.year;
    const newMonth = b.day === 1 && (b.month === prev.month + 1 ? b.year === prev.year : b.month === 1 && prev.month === 12 && b.year === prev.year + 1);
    assert.ok(next || newMonth, `${g.toISOString().slice(0, 10)}: ${JSON.stringify(prev)} -> ${JSON.stringify(b)}`);
    prev = b;
  }
});

test('reckoned on Dhaka\'s calendar day, in Bengali digits for bn', () => {
  // 15 December 2026 at 18:30 UTC is already 16 December in Dhaka.
  assert.deepEqual(bengaliDate(Date.UTC(2026, 11, 15, 18, 30)), { year: 1433, month: 9, day: 1 });
  assert.equal(formatBengaliDate('bn', bengaliDate(dhakaTime(2026, 12, 16, 10))), '১ পৌষ');
  assert.equal(formatBengaliDate('bn', bengaliDate(dhakaTime(2026, 4, 14, 10)), true), '১ বৈশাখ ১৪৩৩');
  assert.equal(formatBengaliDate('bn', bengaliDate(dhakaTime(2027, 2, 21, 10))), '৮ ফাল্গুন');
  assert.equal(formatBengaliDate('bn', bengaliDate(dhakaTime(2027, 3, 26, 10))), '১২ চৈত্র');
});
