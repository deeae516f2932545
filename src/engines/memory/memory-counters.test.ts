// The memory engine's counters and buckets beyond the shared engine suite
// (engine.suite.ts): the cost of their expiry sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCounters } from './memory-counters.ts';
import { yieldToTimers } from '../../testkit/wait.ts';

// The cost, not a timing: every take moves its key to the newest place and
// sweeps the oldest. On a plain Map that meant delete-and-set, which leaves a
// hole where the key was, and a sweep from the Map's front stepped over all
// the holes that piled up there: with 200,000 users' buckets taken in turn
// each take cost more than the last. In constant steps this loop takes about
// a second; the test's bound cuts it short otherwise (the loop yields so it can).
test('600,000 takes over 200,000 buckets in turn: the sweep stays constant', { timeout: 20_000 }, async () => {
  const c = new MemoryCounters({ now: () => 1_000_000 });
  let waits = 0;
  for (let i = 0; i < 600_000; i++) {
    waits += await c.take(`rate:u${i % 200_000}`, 1, 2);
    if (i % 10_000 === 0) await yieldToTimers();
  }
  assert.equal(waits, 200_000 * 1000, 'the third take of each bucket (burst 2, 1 per s, no time passed) waits 1 s');
});
