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
