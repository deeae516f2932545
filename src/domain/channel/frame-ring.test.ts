import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameRing } from './frame-ring.ts';

const frame = (n: number, pad = 0): string => JSON.stringify({ offset: n, text: 'দাম'.repeat(n % 7) + 'x'.repeat(pad) });

test('holds the newest maxEntries frames, byte for byte, across wrap-around and growth', () => {
  const ring = new FrameRing(50, 64);
  const expected: string[] = [];
  for (let n = 1; n <= 2000; n++) {
    const f = frame(n, (n * 37) % 300);
    ring.push(n, f, n, n + 1000);
    expected.push(f);
    const held = [...ring.since(0)];
    const want = expected.slice(-50);
    assert.equal(held.length, want.length);
    assert.equal(held[0]!.offset, n - want.length + 1);
    if (n % 97 === 0 || n < 120) assert.deepEqual(held.map((e) => e.frame), want, `after ${n}`);
  }
  assert.ok(ring.capacityBytes < 64 * 1024, `stays small: ${ring.capacityBytes}`);
});

test('since() starts after the given offset; dropOldest empties cleanly', () => {
  const ring = new FrameRing(10);
  for (let n = 5; n <= 9; n++) ring.push(n, frame(n), n * 10, n * 10 + 5);
  assert.deepEqual([...ring.since(7)].map((e) => [e.offset, e.at, e.expiresAt]), [[8, 80, 85], [9, 90, 95]]);
  assert.equal(ring.oldestOffset, 5);
  for (let i = 0; i < 5; i++) ring.dropOldest();
  assert.equal(ring.length, 0);
  assert.equal(ring.oldestOffset, undefined);
  ring.push(10, frame(10), 100, 105);
  assert.deepEqual([...ring.since(0)].map((e) => e.frame), [frame(10)]);
  assert.throws(() => ring.push(12, frame(12), 1, 2), RangeError);
});

test('a ring that never held an event allocates no buffer', () => {
  const ring = new FrameRing(100);
  assert.equal(ring.capacityBytes, 0);
  assert.deepEqual([...ring.since(0)], []);
  ring.push(1, 'x', 0, 1);
  assert.ok(ring.capacityBytes > 0);
});
