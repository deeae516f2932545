import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { HeapTrimmer, type HeapUse, type TrimReport } from './trimmer.ts';

test('a trim collects the garbage of a burst: the used heap falls, and it is reported once', () => {
  const reports: TrimReport[] = [];
  let now = 0;
  const trimmer = new HeapTrimmer('test', { enabled: true, checkMs: 1000, maxUtilization: 1, minGrowthBytes: 8 * 2 ** 20, minIntervalMs: 1000, minReleased: 1e9 }, { now: () => now }, (r) => reports.push(r));
  // A burst whose objects outlive the young generation (as connections in flight do), then are dropped.
  let burst: Array<{ i: number; s: string }> | null = [];
  for (let i = 0; i < 400_000; i++) burst.push({ i, s: `item ${i}` });
  burst = null;
  now = 500;
  trimmer.check();
  assert.equal(reports.length, 0, 'not within minIntervalMs of the start');
  now = 2000;
  trimmer.check();
  assert.equal(reports.length, 1);
  const r = reports[0]!;
  assert.equal(r.thread, 'test');
  assert.ok(r.beforeBytes - r.afterBytes > 8 * 2 ** 20, `freed ${((r.beforeBytes - r.afterBytes) / 2 ** 20).toFixed(1)} MB`);
  now = 2500;
  trimmer.check();
  assert.equal(reports.length, 1, 'at most one trim per minIntervalMs');
  assert.equal(trimmer.count, 1);
});

test('every check reports the heap, also when trims are off', () => {
  const readings: HeapUse[] = [];
  const trimmer = new HeapTrimmer('t2', { enabled: false, checkMs: 1000, maxUtilization: 1, minGrowthBytes: 0, minIntervalMs: 0, minReleased: 1e9 }, { now: () => 0 }, () => assert.fail('no trim when disabled'), (r) => readings.push(r));
  trimmer.check();
  trimmer.check();
  assert.equal(readings.length, 2);
  assert.equal(readings[0]!.thread, 't2');
  assert.ok(readings[0]!.usedBytes > 0 && readings[0]!.committedBytes >= readings[0]!.usedBytes);
});

test('a trim compacts: the committed heap of a fragmented old generation is given back, not only the used heap', () => {
  const reports: TrimReport[] = [];
  let now = 0;
  const trimmer = new HeapTrimmer('t3', { enabled: true, checkMs: 1000, maxUtilization: 1, minGrowthBytes: 8 * 2 ** 20, minIntervalMs: 1000, minReleased: 1e9 }, { now: () => now }, (r) => reports.push(r));
  // Objects that reach the old generation, then three in four are dropped: pages stay a quarter full.
  const all: Array<{ i: number; s: string; b: number[] }> = [];
  for (let i = 0; i < 600_000; i++) all.push({ i, s: `item ${i}`, b: [i] });
  const kept = all.filter((_, i) => i % 4 === 0);
  all.length = 0;
  const committedBefore = v8.getHeapStatistics().total_heap_size;
  now = 2000;
  trimmer.check();
  assert.equal(reports.length, 1);
  const committedAfter = v8.getHeapStatistics().total_heap_size;
  assert.ok(committedBefore - committedAfter > 16 * 2 ** 20, `committed ${(committedBefore / 2 ** 20).toFixed(1)} -> ${(committedAfter / 2 ** 20).toFixed(1)} MB`);
  assert.equal(kept.length, 150_000);
});

test('released objects make a thread whose heap did not grow trim; the count starts over after it', () => {
  const reports: TrimReport[] = [];
  let now = 0;
  const trimmer = new HeapTrimmer('t4', { enabled: true, checkMs: 1000, maxUtilization: 1, minGrowthBytes: 2 ** 40, minIntervalMs: 1000, minReleased: 100 }, { now: () => now }, (r) => reports.push(r));
  now = 2000;
  trimmer.release(99);
  trimmer.check();
  assert.equal(reports.length, 0);
  trimmer.release(1);
  trimmer.check();
  assert.equal(reports.length, 1);
  now = 4000;
  trimmer.check();
  assert.equal(reports.length, 1, 'released counts from the last trim');
});
