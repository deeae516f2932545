import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefusalMemory } from './refusal-memory.ts';

test('a refusal is remembered within the window and the count; the oldest go first', () => {
  const m = new RefusalMemory<string>(1000, 3);
  m.remember('a', 'sold_out', 0);
  m.remember('b', 'limit_exceeded', 10);
  assert.equal(m.get('a', 500), 'sold_out');
  assert.equal(m.get('a', 1001), undefined, 'past the window');
  assert.equal(m.get('b', 1001), 'limit_exceeded');
  m.remember('c', 'x', 1002);
  m.remember('d', 'y', 1003);
  m.remember('e', 'z', 1004);
  assert.equal(m.size, 3);
  assert.deepEqual(['b', 'c', 'd', 'e'].map((k) => m.get(k, 1005)), [undefined, 'x', 'y', 'z'], 'at most 3: b forgotten (it was the oldest)');
});
