import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefusalMemory } from './refusal-memory.ts';
import { yieldToTimers } from '../../testkit/wait.ts';

test('a refusal is remembered within the window and the count; the oldest go first', () => {
  const m = new RefusalMemory<string>(1000, 3);
  m.remember('sale:s', 'a', 'sold_out', 0);
  m.remember('sale:s', 'b', 'limit_exceeded', 10);
  assert.equal(m.get('sale:s', 'a', 500), 'sold_out');
  assert.equal(m.get('sale:s', 'a', 1001), undefined, 'past the window');
  assert.equal(m.get('sale:s', 'b', 1001), 'limit_exceeded');
  m.remember('sale:s', 'c', 'x', 1002);
  m.remember('sale:s', 'd', 'y', 1003);
  m.remember('sale:s', 'e', 'z', 1004);
  assert.equal(m.size, 3);
  assert.deepEqual(['b', 'c', 'd', 'e'].map((k) => m.get('sale:s', k, 1005)), [undefined, 'x', 'y', 'z'], 'at most 3: b forgotten (it was the oldest)');
});

test('one memory serves many actors: a key is its own in each, and the count bounds them all together', () => {
  const m = new RefusalMemory<string>(60_000, 3);
  m.remember('auction:a1', 'u|k', 'not_open a1', 0);
  m.remember('auction:a2', 'u|k', 'not_open a2', 1);
  assert.equal(m.get('auction:a1', 'u|k', 2), 'not_open a1');
  assert.equal(m.get('auction:a2', 'u|k', 2), 'not_open a2');
  assert.equal(m.get('auction:a3', 'u|k', 2), undefined);
  m.remember('auction:a3', 'u|k', 'not_open a3', 3);
  m.remember('auction:a4', 'u|k', 'not_open a4', 4);
  assert.equal(m.size, 3, 'four actors, one bound');
  assert.deepEqual(['a1', 'a2', 'a3', 'a4'].map((a) => m.get(`auction:${a}`, 'u|k', 5)), [undefined, 'not_open a2', 'not_open a3', 'not_open a4']);
  m.remember('auction:a', '1|k', 'x', 6);
  assert.equal(m.get('auction:a1', '|k', 7), undefined, 'scope and key are not run together');
});

// The cost, not a timing: past the bound, each remember forgets the oldest.
// When that walked the Map from its front, every call stepped over the holes
// of all the deletes before it, so 600,000 refusals through a bound of
// 200,000 took 45 s here (an hour of a flash sale's sold_out would never
// end); in constant steps they take well under a second, far inside this
// test's bound. The loop yields now and then, so that the bound can cut it
// short.
test('forgetting the oldest does not slow down as the forgotten pile up: 600,000 refusals through a bound of 200,000', { timeout: 15_000 }, async () => {
  const m = new RefusalMemory<string>(900_000, 200_000);
  for (let i = 0; i < 600_000; i++) {
    m.remember('sale:hot', `u${i}|r`, 'sold_out', 1000 + i);
    if (i % 10_000 === 0) await yieldToTimers();
  }
  assert.equal(m.size, 200_000);
  assert.equal(m.get('sale:hot', 'u399999|r', 700_000), undefined);
  assert.equal(m.get('sale:hot', 'u400000|r', 700_000), 'sold_out');
});

test('a key forgotten by the window and refused again keeps its new refusal when its old place in the age order is passed', () => {
  const m = new RefusalMemory<string>(100, 2);
  m.remember('a', 'k', 'first', 0);
  assert.equal(m.get('a', 'k', 101), undefined, 'past the window');
  m.remember('a', 'k', 'second', 101);
  m.remember('a', 'j', 'other', 102);
  assert.equal(m.get('a', 'k', 103), 'second');
  assert.equal(m.get('a', 'j', 103), 'other');
});
