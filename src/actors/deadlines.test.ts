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

test('many ids of one timeout (past the ring`s first growth) all expire, in order', async () => {
  const expired: number[] = [];
  let all!: () => void;
  const done = new Promise<void>((r) => (all = r));
  const d = new Deadlines((id) => {
    expired.push(id);
    if (expired.length === 5000) all();
  });
  for (let i = 0; i < 5000; i++) d.add(i, 10);
  await done;
  assert.deepEqual(expired, Array.from({ length: 5000 }, (_, i) => i));
  d.stop();
});
