import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameRing } from './frame-ring.ts';
import { ChunkPool } from './chunk-pool.ts';

const frame = (n: number, pad = 0): string => JSON.stringify({ offset: n, text: 'দাম'.repeat(n % 7) + 'x'.repeat(pad) });

test('holds the newest maxEntries frames, byte for byte, across chunk boundaries and multi-byte text', () => {
  // Small chunks so that frames (up to ~330 bytes) often span two or three of them.
  const pool = new ChunkPool(128, 1024);
  const ring = new FrameRing(50, pool);
  const expected: string[] = [];
  for (let n = 1; n <= 2000; n++) {
    const f = frame(n, (n * 37) % 300);
    ring.push(n, f, n, n + 1000);
    expected.push(f);
    const want = expected.slice(-50);
    const held = [...ring.since(0)];
    assert.equal(held.length, want.length);
    assert.equal(held[0]!.offset, n - want.length + 1);
    if (n % 97 === 0 || n < 120) assert.deepEqual(held.map((e) => e.frame), want, `after ${n}`);
  }
  // What it holds is about 50 frames of ~180 bytes; chunks of dropped frames went back.
  assert.ok(ring.capacityBytes < 50 * 400, `stays small: ${ring.capacityBytes}`);
  assert.equal(pool.stats().chunksInUse * pool.chunkBytes, ring.capacityBytes);
});

test('since() starts after the given offset; dropOldest empties cleanly', () => {
  const ring = new FrameRing(10, new ChunkPool());
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

test('a ring that never held an event takes no chunk, and an emptied one gives all back', () => {
  const pool = new ChunkPool(256, 4096);
  const ring = new FrameRing(100, pool);
  assert.equal(ring.capacityBytes, 0);
  assert.deepEqual([...ring.since(0)], []);
  for (let n = 1; n <= 20; n++) ring.push(n, frame(n, 100), n, n + 1);
  assert.ok(pool.stats().chunksInUse > 1);
  for (let n = 1; n <= 20; n++) ring.dropOldest();
  assert.equal(ring.capacityBytes, 0);
  assert.equal(pool.stats().chunksInUse, 0);
});

test('rings share the pool: chunks one gives back are the ones the next takes', () => {
  const pool = new ChunkPool(256, 4096);
  const a = new FrameRing(100, pool);
  for (let n = 1; n <= 40; n++) a.push(n, frame(n, 150), n, n + 1);
  const slabs = pool.stats().slabs;
  a.release();
  const b = new FrameRing(100, pool);
  for (let n = 1; n <= 40; n++) b.push(n, frame(n, 150), n, n + 1);
  assert.equal(pool.stats().slabs, slabs, 'no new slab');
  assert.deepEqual([...b.since(38)].map((e) => e.frame), [frame(39, 150), frame(40, 150)]);
});

test('a frame larger than a chunk spans several', () => {
  const pool = new ChunkPool(64, 1024);
  const ring = new FrameRing(3, pool);
  const big = JSON.stringify({ text: 'হাট '.repeat(200) });
  ring.push(1, 'small', 1, 2);
  ring.push(2, big, 1, 2);
  ring.push(3, 'after', 1, 2);
  assert.deepEqual([...ring.since(0)].map((e) => e.frame), ['small', big, 'after']);
  ring.push(4, big, 1, 2);
  assert.deepEqual([...ring.since(1)].map((e) => e.frame), [big, 'after', big]);
});

test('pool sizes must be powers of two', () => {
  assert.throws(() => new ChunkPool(100), RangeError);
  assert.throws(() => new ChunkPool(2048, 1024), RangeError);
});
