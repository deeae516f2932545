import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideTrim, shouldCompact, trimConfigOf, type HeapTrimConfig } from './trim-policy.ts';

const C: HeapTrimConfig = trimConfigOf({ enabled: true, checkMs: 1000, maxUtilization: 0.25, minGrowthMb: 16, minIntervalMs: 15_000, minReleased: 1000 });
const MB = 2 ** 20;

test('a trim is taken only when enabled, not too soon, idle enough and grown enough', () => {
  const s = { lastTrimAt: 0, baselineBytes: 40 * MB, baselineCommittedBytes: 70 * MB };
  assert.deepEqual(decideTrim(C, s, { now: 20_000, usedBytes: 60 * MB, committedBytes: 70 * MB, utilization: 0.1, released: 0 }), { trim: true });
  assert.deepEqual(decideTrim({ ...C, enabled: false }, s, { now: 20_000, usedBytes: 60 * MB, committedBytes: 70 * MB, utilization: 0.1, released: 0 }), { trim: false, why: 'disabled' });
  assert.deepEqual(decideTrim(C, s, { now: 14_999, usedBytes: 60 * MB, committedBytes: 70 * MB, utilization: 0.1, released: 0 }), { trim: false, why: 'too_soon' });
  assert.deepEqual(decideTrim(C, s, { now: 20_000, usedBytes: 60 * MB, committedBytes: 70 * MB, utilization: 0.26, released: 0 }), { trim: false, why: 'busy' });
  assert.deepEqual(decideTrim(C, s, { now: 20_000, usedBytes: 55 * MB, committedBytes: 85 * MB, utilization: 0.1, released: 0 }), { trim: false, why: 'small_growth' });
  // The committed pages grew while the used heap barely moved.
  assert.deepEqual(decideTrim(C, s, { now: 20_000, usedBytes: 41 * MB, committedBytes: 86 * MB, utilization: 0.1, released: 0 }), { trim: true });
  assert.equal(C.minGrowthBytes, 16 * MB);
});

test('actors let go of count like growth: an idle thread whose heap did not grow trims once enough were released', () => {
  const s = { lastTrimAt: 0, baselineBytes: 40 * MB, baselineCommittedBytes: 70 * MB };
  const idle = { now: 20_000, usedBytes: 40 * MB, committedBytes: 70 * MB, utilization: 0.05 };
  assert.deepEqual(decideTrim(C, s, { ...idle, released: 999 }), { trim: false, why: 'small_growth' });
  assert.deepEqual(decideTrim(C, s, { ...idle, released: 1000 }), { trim: true });
  assert.deepEqual(decideTrim(C, s, { ...idle, released: 5000, utilization: 0.5 }), { trim: false, why: 'busy' });
});

test('after the plain collection, a trim compacts only where the pages exceed their use by minGrowthBytes', () => {
  assert.equal(shouldCompact(C, { usedBytes: 40 * MB, committedBytes: 70 * MB }), true);
  assert.equal(shouldCompact(C, { usedBytes: 40 * MB, committedBytes: 55 * MB }), false);
  assert.equal(shouldCompact(C, { usedBytes: 40 * MB, committedBytes: 56 * MB }), true);
});
