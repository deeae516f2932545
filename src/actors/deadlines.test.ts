import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadlines } from './deadlines.ts';

/** Adds the given [id, timeoutMs] pairs and resolves with the ids in the order they expired. */
function expiryOrder(adds: [number, number][]): Promise<number[]> {
  const expired: number[] = [];
  return new Promise((resolve) => {
    const d = new Deadlines((id) => {
      expired.push(id);
      if (expired.length === adds.length) {
        d.stop();
        resolve(expired);
      }
    });
    for (const [id, ms] of adds) d.add(id, ms);
  });
}

test('each id expires once, after its own timeout, earliest first across timeout values', { timeout: 10_000 }, async () => {
  assert.deepEqual(await expiryOrder([[1, 60], [2, 20], [3, 60], [4, 5]]), [4, 2, 1, 3]);
});

test('many ids of one timeout (past the ring`s first growth) all expire, in order', { timeout: 10_000 }, async () => {
  const ids = Array.from({ length: 5000 }, (_, i) => i);
  assert.deepEqual(await expiryOrder(ids.map((i) => [i, 10])), ids);
});
