import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionPoint } from './sorted-search.ts';

test('partitionPoint: the first index past the prefix, at both ends and with repeats', () => {
  const xs = [1, 3, 3, 5, 8];
  assert.equal(partitionPoint(xs, (x) => x < 3), 1);
  assert.equal(partitionPoint(xs, (x) => x <= 3), 3);
  assert.equal(partitionPoint(xs, (x) => x < 0), 0);
  assert.equal(partitionPoint(xs, (x) => x < 100), 5);
  assert.equal(partitionPoint([], () => true), 0);
});
