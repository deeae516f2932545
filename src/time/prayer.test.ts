import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prayerStarts, quietUntil, quietWindowAt, quietWindows } from './prayer.ts';
import { DIVISIONS, parseDivision, type Division } from './divisions.ts';
import { dhakaDay, dhakaTime } from './dhaka-day.ts';
import { toDhakaIso } from './clock.ts';

const hhmm = (ms: number): string => toDhakaIso(ms).slice(11, 16);
const Q = { afterMinutes: 20, jumuahMinutes: 60 };

// adhan 4.4.6, Karachi method, Hanafi Asr, Dhaka (23.8103 N, 90.4125 E). Cross-checked
// for plausibility against the Islamic Foundation Bangladesh timetable of
// early December (Fajr about 5:05, Dhuhr 11:50, Asr 3:35, Maghrib 5:12, Isha 6:30).
test('Dhaka on Friday 4 December 2026: the five prayers to the minute', () => {
  const s = prayerStarts('dhaka', dhakaDay(dhakaTime(2026, 12, 4, 12)));
  assert.deepEqual(
    Object.fromEntries(Object.entries(s).map(([k, v]) => [k, hhmm(v)])),
    { fajr: '05:06', sunrise: '06:26', dhuhr: '11:49', asr: '15:35', maghrib: '17:11', isha: '18:31' },
  );
  // December dawn in Dhaka comes around 5:00-5:20; the Hanafi Asr is well after the Shafi one (14:50).
  assert.ok(s.fajr >= dhakaTime(2026, 12, 4, 5, 0) && s.fajr <= dhakaTime(2026, 12, 4, 5, 20));
  assert.ok(s.asr >= dhakaTime(2026, 12, 4, 15, 20));
});

test('Dhaka at midsummer (21 June 2026): short nights, late Isha', () => {
  const s = prayerStarts('dhaka', dhakaDay(dhakaTime(2026, 6, 21, 12)));
  assert.deepEqual([hhmm(s.fajr), hhmm(s.dhuhr), hhmm(s.asr), hhmm(s.maghrib), hhmm(s.isha)], ['03:44', '12:01', '16:41', '18:48', '20:16']);
});

test('the day is Dhaka\'s, whatever zone the process runs in: the day starts at 18:00 UTC', () => {
  // 4 Dec 2026 01:00 in Dhaka is 3 Dec 19:00 UTC: still Dhaka's 4 December.
  const a = prayerStarts('dhaka', dhakaDay(Date.UTC(2026, 11, 3, 19, 0)));
  const b = prayerStarts('dhaka', dhakaDay(dhakaTime(2026, 12, 4, 23, 59)));
  assert.deepEqual(a, b);
  assert.equal(hhmm(a.fajr), '05:06');
});

test('every division: east prays before west (Sylhet and Chattogram before Rajshahi), all within 20 minutes of Dhaka', () => {
  const day = dhakaDay(dhakaTime(2026, 12, 4, 12));
  const dhaka = prayerStarts('dhaka', day);
  const all = Object.fromEntries(DIVISIONS.map((d) => [d, prayerStarts(d, day)])) as Record<Division, ReturnType<typeof prayerStarts>>;
  assert.equal(hhmm(all.chattogram.dhuhr), '11:44');
  assert.equal(hhmm(all.rajshahi.dhuhr), '11:57');
  assert.equal(hhmm(all.sylhet.maghrib), '17:03');
  assert.ok(all.sylhet.dhuhr < all.rajshahi.dhuhr && all.chattogram.dhuhr < all.khulna.dhuhr);
  for (const d of DIVISIONS) for (const k of ['fajr', 'dhuhr', 'asr', 'maghrib', 'isha'] as const) assert.ok(Math.abs(all[d][k] - dhaka[k]) <= 20 * 60_000, `${d} ${k}`);
});

test('quiet windows: 20 minutes after each prayer, Jumu\'ah on Friday instead of Dhuhr and longer', () => {
  const friday = quietWindows('dhaka', dhakaDay(dhakaTime(2026, 12, 4, 12)), Q);
  assert.deepEqual(friday.map((w) => `${w.prayer} ${hhmm(w.start)}-${hhmm(w.end)}`), ['fajr 05:06-05:26', 'jumuah 11:49-12:49', 'asr 15:35-15:55', 'maghrib 17:11-17:31', 'isha 18:31-18:51']);
  const saturday = quietWindows('dhaka', dhakaDay(dhakaTime(2026, 12, 5, 12)), Q);
  assert.equal(saturday[1]!.prayer, 'dhuhr');
  assert.equal(saturday[1]!.end - saturday[1]!.start, 20 * 60_000);
});

test('quietUntil: inside a window it answers the window\'s end; at the end and outside, nothing', () => {
  assert.equal(quietUntil('dhaka', dhakaTime(2026, 12, 4, 15, 40), Q), dhakaTime(2026, 12, 4, 15, 55));
  assert.equal(quietUntil('dhaka', dhakaTime(2026, 12, 4, 15, 55), Q), undefined);
  assert.equal(quietUntil('dhaka', dhakaTime(2026, 12, 4, 15, 34), Q), undefined);
  assert.equal(quietUntil('dhaka', dhakaTime(2026, 12, 4, 12, 30), Q), dhakaTime(2026, 12, 4, 12, 49), 'Jumu\'ah');
  assert.equal(quietUntil('dhaka', dhakaTime(2026, 12, 5, 12, 30), Q), undefined, 'a Saturday Dhuhr is over by then');
  assert.equal(quietUntil('dhaka', dhakaTime(2026, 12, 4, 21, 0), Q), undefined, 'the 9 pm flash sale is never quiet');
  // Same instant, another division: Rajshahi's Asr starts at 15:41.
  assert.equal(quietUntil('rajshahi', dhakaTime(2026, 12, 4, 15, 38), Q), undefined);
  assert.equal(quietUntil('rajshahi', dhakaTime(2026, 12, 4, 15, 42), Q), dhakaTime(2026, 12, 4, 16, 1));
  // The cached and the plain answers agree.
  for (let m = 0; m < 24 * 60; m += 7) {
    const t = dhakaTime(2026, 12, 4, 0, m);
    assert.equal(quietUntil('sylhet', t, Q), quietWindowAt('sylhet', t, Q)?.end);
  }
});

test('overlapping windows are one quiet stretch; zero minutes is no quiet at all', () => {
  // 90 minutes after Maghrib (17:11) reaches past Isha's start (18:31): quiet until Isha's own end.
  const long = { afterMinutes: 90, jumuahMinutes: 90 };
  assert.equal(quietUntil('dhaka', dhakaTime(2026, 12, 4, 17, 30), long), dhakaTime(2026, 12, 4, 20, 1));
  assert.equal(quietUntil('dhaka', dhakaTime(2026, 12, 4, 15, 40), { afterMinutes: 0, jumuahMinutes: 0 }), undefined);
});

test('division names as tokens send them', () => {
  assert.equal(parseDivision('Dhaka'), 'dhaka');
  assert.equal(parseDivision('CHATTOGRAM'), 'chattogram');
  assert.equal(parseDivision('Chittagong'), 'chattogram');
  assert.equal(parseDivision('barisal'), 'barishal');
  assert.equal(parseDivision('Kolkata'), undefined);
  assert.equal(parseDivision(7), undefined);
});
