import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mailbox } from './mailbox.ts';

test('keeps FIFO order across compactions', () => {
  const m = new Mailbox<number>();
  let next = 0;
  const out: number[] = [];
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 100; i++) m.push(next++);
    for (let i = 0; i < 60; i++) out.push(m.shift()!);
  }
  while (m.length) out.push(m.shift()!);
  assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
  assert.equal(m.shift(), undefined);
});

test('drain returns the rest in order and empties', () => {
  const m = new Mailbox<string>();
  m.push('a'); m.push('b'); m.push('c');
  m.shift();
  assert.deepEqual(m.drain(), ['b', 'c']);
  assert.equal(m.length, 0);
});

test('an emptied mailbox is reused in order, also after a backlog larger than the array it keeps', () => {
  const m = new Mailbox<number>();
  const out: number[] = [];
  let next = 0;
  for (const burst of [1, 3, 1, 2000, 5, 1, 1500, 2]) {
    for (let i = 0; i < burst; i++) m.push(next++);
    assert.equal(m.length, burst);
    // Take half, add one, then empty it completely.
    for (let i = 0; i < Math.floor(burst / 2); i++) out.push(m.shift()!);
    m.push(next++);
    while (m.length > 0) out.push(m.shift()!);
    assert.equal(m.shift(), undefined);
  }
  assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
});
