import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadlines } from './deadlines.ts';

test('each id expires once, after its own timeout, earliest first across timeout values', async () => {
  const expired: number[] = [];
  let all!: () => void;
  const done = new Promise<void>((r) => (all = r));
  const d = new Deadlines((id) => {
    expired.push(id);
    if (expired.length === 4) all();
  });
  d.add(1, 60);
  d.add(2, 20);
  d.add(3, 60);
  d.add(4, 5);
  await done;
  assert.deepEqual(expired, [4, 2, 1, 3]);
  d.stop();
});
