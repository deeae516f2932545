import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgeOrderedMap } from './age-ordered-map.ts';
import { yieldToTimers } from './testkit/wait.ts';

test('oldest first: get, set again (moves to the newest place), delete, oldest and dropOldest', () => {
  const m = AgeOrderedMap.from<string, number>([['a', 1], ['b', 2], ['c', 3]]);
  assert.deepEqual([...m], [['a', 1], ['b', 2], ['c', 3]]);
  m.set('a', 10);
  assert.deepEqual([...m.values()], [2, 3, 10], 'a set again is the newest');
  assert.equal(m.delete('c'), true);
  assert.equal(m.delete('c'), false);
  assert.deepEqual(m.oldest(), ['b', 2]);
  m.dropOldest();
  assert.deepEqual([m.size, m.get('b'), m.has('a'), m.oldest()], [1, undefined, true, ['a', 10]]);
  m.dropOldest();
  assert.deepEqual([m.size, m.oldest(), [...m]], [0, undefined, []]);
  m.dropOldest();
  m.set('d', 4);
  assert.deepEqual([...m], [['d', 4]]);
});

test('agrees with a plain array of entries under a long random mix of sets, deletes and drops (through its compactions)', () => {
  let seed = 42;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const m = new AgeOrderedMap<number, number>();
  let model: [number, number][] = [];
  for (let i = 0; i < 60_000; i++) {
    const op = rand(10);
    const key = rand(3000);
    if (op < 6) {
      m.set(key, i);
      model = model.filter(([k]) => k !== key);
      model.push([key, i]);
    } else if (op < 8) {
      assert.equal(m.delete(key), model.some(([k]) => k === key));
      model = model.filter(([k]) => k !== key);
    } else {
      m.dropOldest();
      model.shift();
    }
    assert.deepEqual(m.oldest(), model[0]);
    if (i % 5000 === 0) assert.deepEqual([...m], model);
  }
  assert.deepEqual([...m], model);
  assert.equal(m.size, model.length);
});

// The cost, not a timing: forgetting the oldest of a plain Map walked from its
// front took 45 s here for this loop; in constant steps it is well under a
// second, far inside this test's bound. The loop yields now and then, so
// that the bound can cut it short.
test('forgetting the oldest stays constant as the forgotten pile up: 600,000 keys through a bound of 200,000', { timeout: 15_000 }, async () => {
  const m = new AgeOrderedMap<string, number>();
  for (let i = 0; i < 600_000; i++) {
    if (m.size >= 200_000) m.dropOldest();
    m.set(`k${i}`, i);
    if (i % 10_000 === 0) await yieldToTimers();
  }
  assert.deepEqual([m.size, m.oldest(), m.get('k399999')], [200_000, ['k400000', 400_000], undefined]);
});
