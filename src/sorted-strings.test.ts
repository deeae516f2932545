import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SortedStrings } from './sorted-strings.ts';

test('adds, deletes and pages in order, across chunk splits, as a sorted copy of a Set would', () => {
  const s = new SortedStrings();
  const ref = new Set<string>();
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let step = 0; step < 20_000; step++) {
    const k = `k${rnd(5000)}`;
    if (rnd(3) === 0) assert.equal(s.delete(k), ref.delete(k));
    else {
      const had = ref.has(k);
      ref.add(k);
      assert.equal(s.add(k), !had);
    }
  }
  const sorted = [...ref].sort();
  assert.equal(s.size, sorted.length);
  assert.deepEqual(s.after(null, Infinity), sorted);
  for (const after of ['', 'k1', 'k2500', sorted[10]!, sorted[sorted.length - 1]!, 'z']) {
    assert.deepEqual(s.after(after, 7), sorted.filter((x) => x > after).slice(0, 7), `after ${after}`);
  }
  assert.equal(s.has(sorted[3]!), true);
  assert.equal(s.has('nope'), false);
  for (const k of sorted) assert.equal(s.delete(k), true);
  assert.equal(s.size, 0);
  assert.deepEqual(s.after(null, 10), []);
});
