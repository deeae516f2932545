import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addBuckets, LatencyHistogram, LATENCY_BOUNDS_MS, quantileOf } from './latency-histogram.ts';

test('p99 of 99 fast deliveries and one slow one is in the fast bucket; two slow ones move it', () => {
  const h = new LatencyHistogram(60_000);
  for (let i = 0; i < 99; i++) h.observe(3, 1000);
  h.observe(400, 1000);
  const p99 = quantileOf(h.window(1000), 0.99)!;
  assert.ok(p99 > 2.5 && p99 <= 5, `p99 ${p99}`);
  h.observe(400, 1000);
  assert.ok(quantileOf(h.window(1000), 0.99)! > 250, 'with 2 of 101 slow, p99 is in their bucket');
  assert.equal(h.count, 101);
  assert.equal(h.sumMs, 99 * 3 + 800);
});

test('the window forgets deliveries older than its length; the cumulative counts keep them', () => {
  const h = new LatencyHistogram(60_000);
  h.observe(500, 0);
  h.observe(2, 50_000);
  assert.equal(h.window(50_000).reduce((a, b) => a + b, 0), 2);
  assert.equal(h.window(65_000).reduce((a, b) => a + b, 0), 1, 'the first is out of the window');
  assert.equal(h.window(200_000).reduce((a, b) => a + b, 0), 0);
  h.observe(1, 200_000);
  assert.equal(h.window(200_000).reduce((a, b) => a + b, 0), 1, 'a reused slot starts empty');
  assert.equal(h.count, 3);
});

test('quantiles: null when empty, the highest bound past it, merged windows add up', () => {
  assert.equal(quantileOf(new Array(LATENCY_BOUNDS_MS.length + 1).fill(0), 0.99), null);
  const h = new LatencyHistogram(1000);
  h.observe(60_000, 0);
  assert.equal(quantileOf(h.window(0), 0.99), LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]);
  const a = new LatencyHistogram(1000);
  const b = new LatencyHistogram(1000);
  for (let i = 0; i < 50; i++) a.observe(1, 0);
  for (let i = 0; i < 50; i++) b.observe(300, 0);
  const merged = addBuckets(a.window(0), b.window(0));
  assert.equal(merged.reduce((x, y) => x + y, 0), 100);
  assert.ok(quantileOf(merged, 0.99)! > 250, 'the slow node decides the cluster p99');
});
