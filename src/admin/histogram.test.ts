import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { bucketsOf, deltaOf, quantile } from './histogram.ts';

test('quantiles of one interval come from the difference of two readings of the histogram', async () => {
  const registry = new Registry();
  const h = new Histogram({ name: 'h_seconds', help: 'h', buckets: [0.001, 0.01, 0.1], registers: [registry] });
  for (let i = 0; i < 100; i++) h.observe(0.05); // an earlier interval: slow
  const before = bucketsOf((await h.get()).values);
  for (let i = 0; i < 98; i++) h.observe(0.0005);
  h.observe(0.005);
  h.observe(0.005);
  const interval = deltaOf(bucketsOf((await h.get()).values), before);
  assert.deepEqual(interval.map(([, n]) => n), [98, 100, 100, 100]);
  const p50 = quantile(0.5, interval)!;
  const p99 = quantile(0.99, interval)!;
  assert.ok(p50 > 0 && p50 <= 0.001, `p50 ${p50} within the first bucket`);
  assert.ok(p99 > 0.001 && p99 <= 0.01, `p99 ${p99} within the second bucket`);
  // The slow earlier interval does not leak into this one.
  assert.ok(quantile(0.99, bucketsOf((await h.get()).values))! > 0.01);
});

test('an empty interval has no quantile; past the last bound the last finite bound is answered', () => {
  assert.equal(quantile(0.5, [[0.1, 0], [Number.POSITIVE_INFINITY, 0]]), null);
  assert.equal(quantile(0.99, [[0.1, 1], [Number.POSITIVE_INFINITY, 10]]), 0.1);
});
