import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDate, formatDateTime, formatPercent, formatPrice, formatTime } from './format.ts';

const at = (iso: string): number => Date.parse(iso);

test('prices: ৳ first, Bengali digits and lakh grouping in Bengali, paisa only when present', () => {
  assert.equal(formatPrice('bn', 1350), '৳১,৩৫০');
  assert.equal(formatPrice('en', 1350), '৳1,350');
  assert.equal(formatPrice('bn', 1350.5), '৳১,৩৫০.৫০');
  assert.equal(formatPrice('en', 1350.05), '৳1,350.05');
  assert.equal(formatPrice('bn', 1234567), '৳১২,৩৪,৫৬৭');
  assert.equal(formatPrice('en', 1234567), '৳1,234,567');
  assert.equal(formatPrice('bn', 0), '৳০');
});

test('percentages', () => {
  assert.equal(formatPercent('bn', 10), '১০%');
  assert.equal(formatPercent('en', 10), '10%');
  assert.equal(formatPercent('bn', 12.5), '১২.৫%');
  assert.equal(formatPercent('en', 7), '7%');
});

test('times are Dhaka times, with the Bengali day period before the clock', () => {
  assert.equal(formatTime('bn', at('2026-11-24T19:05:00+06:00')), 'সন্ধ্যা ৭:০৫');
  assert.equal(formatTime('bn', at('2026-11-24T08:30:00+06:00')), 'সকাল ৮:৩০');
  assert.equal(formatTime('bn', at('2026-11-24T12:00:00+06:00')), 'দুপুর ১২:০০');
  assert.equal(formatTime('bn', at('2026-11-24T23:59:00+06:00')), 'রাত ১১:৫৯');
  assert.equal(formatTime('en', at('2026-11-24T12:00:00+06:00')), '12:00 PM');
  assert.equal(formatTime('en', at('2026-11-24T00:00:00+06:00')), '12:00 AM');
});

test('dates follow Dhaka\'s calendar day, not UTC\'s', () => {
  // 20:30 UTC on the 24th is 02:30 on the 25th in Dhaka.
  assert.equal(formatDateTime('bn', at('2026-11-24T20:30:00Z')), '২৫ নভেম্বর, ১০ অগ্রহায়ণ, রাত ২:৩০');
  assert.equal(formatDateTime('en', at('2026-11-24T20:30:00Z')), '25 Nov, 2:30 AM');
  assert.equal(formatDate('bn', at('2026-11-28T12:00:00+06:00')), '২৮ নভেম্বর, ১৩ অগ্রহায়ণ');
  assert.equal(formatDate('en', at('2026-11-28T12:00:00+06:00')), '28 Nov');
});

test('Bengali text gives the day of the Bengali calendar beside the Gregorian one (2019 revision)', () => {
  assert.equal(formatDate('bn', at('2026-12-16T10:00:00+06:00')), '১৬ ডিসেম্বর, ১ পৌষ');
  assert.equal(formatDate('bn', at('2027-04-14T10:00:00+06:00')), '১৪ এপ্রিল, ১ বৈশাখ');
  assert.equal(formatDate('bn', at('2027-02-21T10:00:00+06:00')), '২১ ফেব্রুয়ারি, ৮ ফাল্গুন');
  assert.equal(formatDate('en', at('2026-12-16T10:00:00+06:00')), '16 Dec');
});
