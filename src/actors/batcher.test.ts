// What a Batcher posts: one JSON array per flush, the items in the order
// pushed, at the end of the turn or as soon as `max` items wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher, decodeBatch } from './batcher.ts';

function collect(): { posted: string[]; port: { postMessage(v: string): void } } {
  const posted: string[] = [];
  return { posted, port: { postMessage: (v) => posted.push(v) } };
}

test('one item, two items and a full batch each post one array, in order', async () => {
  const { posted, port } = collect();
  const b = new Batcher<unknown>(port, 3, 'microtask');
  b.push({ a: 1 });
  await Promise.resolve();
  b.push('x');
  b.pushEncoded('[1,2]');
  await Promise.resolve();
  b.push(1);
  b.push(2);
  b.push(3); // the third reaches max: posted at once, before the turn ends
  assert.equal(posted.length, 3);
  b.push(4);
  await Promise.resolve();
  assert.deepEqual(posted.map((p) => decodeBatch(p)), [[{ a: 1 }], ['x', [1, 2]], [1, 2, 3], [4]]);
});

test('a flush with nothing queued posts nothing', async () => {
  const { posted, port } = collect();
  const b = new Batcher<unknown>(port, 10, 'immediate');
  b.schedule();
  await new Promise((r) => setImmediate(r));
  b.flush();
  assert.deepEqual(posted, []);
});
