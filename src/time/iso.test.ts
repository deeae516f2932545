import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIsoWithOffset } from './iso.ts';
import { toDhakaIso } from './clock.ts';

test('ISO 8601 with an offset is read as the instant it names', () => {
  const ms = parseIsoWithOffset('2026-11-24T21:00:00+06:00');
  assert.equal(ms, Date.UTC(2026, 10, 24, 15, 0, 0));
  assert.equal(parseIsoWithOffset('2026-11-24T15:00:00Z'), ms);
  assert.equal(parseIsoWithOffset('2026-11-24T15:00:00.250Z'), ms! + 250);
  assert.equal(toDhakaIso(ms!), '2026-11-24T21:00:00.000+06:00');
});

test('times without an offset, impossible dates and other text are refused', () => {
  for (const bad of ['2026-11-24T21:00:00', '2026-11-24', '2026-02-31T10:00:00Z', '2026-13-01T10:00:00Z', '2026-11-24T24:00:00Z', 'tomorrow', '']) {
    assert.equal(parseIsoWithOffset(bad), undefined, bad);
  }
});
