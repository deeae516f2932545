import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AskTable } from './ask-table.ts';
import type { AnswerCallback } from './system.ts';

const answers: string[] = [];
const cb = (name: string): AnswerCallback<unknown> => (err, v) => answers.push(`${name}:${err ? err.message : String(v)}`);

test('an ask is taken once, by its own id only', () => {
  const t = new AskTable();
  t.add(1, cb('a'), 0, 'channel:x', 100);
  assert.equal(t.size, 1);
  assert.equal(t.take(1 + 4096), undefined, 'an id sharing the slot is not the ask');
  assert.deepEqual(t.describe(1), { address: 'channel:x', timeoutMs: 100 });
  t.take(1)!(undefined, 'v');
  assert.equal(t.take(1), undefined);
  assert.equal(t.size, 0);
  assert.deepEqual(answers.splice(0), ['a:v']);
});

test('more outstanding asks than slots: the table grows and keeps every ask', () => {
  const t = new AskTable();
  const n = 20_000;
  for (let i = 1; i <= n; i++) t.add(i, cb(String(i)), i % 3, `a${i}`, 5);
  assert.equal(t.size, n);
  // An old ask outlives many answered ones (the slot of id 5 is reused by 5 + k·slots).
  for (let i = 6; i <= n; i++) assert.ok(t.take(i));
  for (let i = n + 1; i <= n + 50_000; i++) {
    t.add(i, cb(String(i)), 1, 'b', 5);
    assert.ok(t.take(i));
  }
  assert.deepEqual(t.idsOf(), [1, 2, 3, 4, 5]);
  assert.deepEqual(t.idsOf(2), [2, 5]);
  t.setHost(5, -1);
  assert.deepEqual(t.idsOf(2), [2]);
  assert.deepEqual(t.describe(5), { address: 'a5', timeoutMs: 5 });
  t.take(5)!(undefined, 'late');
  assert.deepEqual(answers.splice(0), ['5:late']);
});
