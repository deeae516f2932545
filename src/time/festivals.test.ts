import { test } from 'node:test';
import assert from 'node:assert/strict';
import { festivalDays, nextFestival } from './festivals.ts';
import { dhakaTime } from './dhaka-day.ts';
import { toDhakaIso } from './clock.ts';

const ymd = (f: { year: number; month: number; day: number }): string => `${f.year}-${String(f.month).padStart(2, '0')}-${String(f.day).padStart(2, '0')}`;

test('Eids as Bangladesh kept them: a day after Umm al-Qura by default', () => {
  assert.deepEqual(festivalDays('eid_ul_fitr', 2024).map(ymd), ['2024-04-11']);
  assert.deepEqual(festivalDays('eid_ul_fitr', 2025).map(ymd), ['2025-03-31']);
  assert.deepEqual(festivalDays('eid_ul_adha', 2024).map(ymd), ['2024-06-17']);
  assert.deepEqual(festivalDays('eid_ul_adha', 2025).map(ymd), ['2025-06-07']);
});

test('the adjustment moves an Eid by whole days; 0 is Umm al-Qura itself', () => {
  assert.deepEqual(festivalDays('eid_ul_fitr', 2026, 0).map(ymd), ['2026-03-20']);
  assert.deepEqual(festivalDays('eid_ul_fitr', 2026, 2).map(ymd), ['2026-03-22']);
  assert.deepEqual(festivalDays('eid_ul_adha', 2026, -1).map(ymd), ['2026-05-26']);
  // A fixed day ignores it.
  assert.deepEqual(festivalDays('victory_day', 2026, 2).map(ymd), ['2026-12-16']);
});

test('fixed days, starting at Dhaka midnight', () => {
  const [boishakh] = festivalDays('pohela_boishakh', 2027);
  assert.equal(toDhakaIso(boishakh!.startMs), '2027-04-14T00:00:00.000+06:00');
  assert.equal(ymd(festivalDays('independence_day', 2027)[0]!), '2027-03-26');
  assert.equal(ymd(festivalDays('victory_day', 2026)[0]!), '2026-12-16');
});

test('nextFestival: today counts, a past one rolls over to next year', () => {
  assert.equal(ymd(nextFestival('victory_day', dhakaTime(2026, 12, 6, 15))), '2026-12-16');
  assert.equal(ymd(nextFestival('victory_day', dhakaTime(2026, 12, 16, 23, 59))), '2026-12-16');
  assert.equal(ymd(nextFestival('victory_day', dhakaTime(2026, 12, 17, 0, 0))), '2027-12-16');
  assert.equal(ymd(nextFestival('eid_ul_fitr', dhakaTime(2026, 12, 6, 15))), ymd(festivalDays('eid_ul_fitr', 2027)[0]!));
  assert.equal(ymd(nextFestival('pohela_boishakh', dhakaTime(2026, 12, 6, 15))), '2027-04-14');
});
