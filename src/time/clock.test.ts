import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toDhakaIso } from './clock.ts';

test('Dhaka timestamps carry +06:00 and denote the same instant', () => {
  const ms = Date.UTC(2026, 10, 24, 13, 5, 0, 123);
  const iso = toDhakaIso(ms);
  assert.equal(iso, '2026-11-24T19:05:00.123+06:00');
  assert.equal(Date.parse(iso), ms);
});

test('the Dhaka calendar day rolls over at 18:00 UTC', () => {
  assert.equal(toDhakaIso(Date.UTC(2026, 11, 31, 18, 0, 0, 0)), '2027-01-01T00:00:00.000+06:00');
});
