import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEvents } from './memory-events.ts';
import type { RealtimeEventRecord } from '../realtime-events.ts';
import { yieldToTimers } from '../../testkit/wait.ts';

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const WEEK = 7 * 24 * 60 * MIN;
const N = 500_000;

function rec(id: string, expiresAt: number): RealtimeEventRecord {
  return { id, event_type: 'outbid', channel: 'notifications', data: null, priority: 'normal', ttl_s: 60, created_at: T0, expires_at: expiresAt, delivery: { total: 1, delivered: 0, failed: 0 } };
}

/** One event in a hundred expires within the first hour, the rest in a week. */
const soon = (i: number): boolean => i % 100 === 7;
const expiryOf = (i: number): number => (soon(i) ? T0 + (1 + Math.floor(i / 100) % 60) * MIN - 1 : T0 + WEEK);

const events = new MemoryEvents();
before(async () => {
  for (let i = 0; i < N; i++) await events.insert(rec(`e${i}`, expiryOf(i)));
});

// The retention sweep (every minute) read every event record to delete those
// whose expires_at had come: with 500,000 kept (POST notifications keeps one
// per send for its TTL, a week by default), an hour of sweeps took 1.0 s of the
// main thread here, however few were due, so five hours about 5 s. By expiry
// time the same five hours read the 5,000 due ones: about 20 ms. The bound,
// 2 s, leaves room for a loaded machine and is well under the full reads.
test('five hours of sweeps over 500,000 event records read the due ones, not all', { timeout: 2000 }, async () => {
  let swept = 0;
  for (let m = 1; m <= 300; m++) {
    swept += events.sweep(T0 + m * MIN);
    await yieldToTimers();
  }
  assert.equal(swept, N / 100);
  assert.equal(await events.get('e7'), null);
  assert.equal((await events.get('e8'))?.id, 'e8');
});

test('an event is swept once its expires_at has come, also one inserted already past it; an id may be used again after', async () => {
  const e = new MemoryEvents();
  await e.insert(rec('a', T0 + 2 * MIN));
  await e.insert(rec('b', T0 + MIN));
  assert.equal(e.sweep(T0 + MIN - 1), 0);
  assert.equal(e.sweep(T0 + MIN), 1);
  assert.equal(await e.get('b'), null);
  await e.insert(rec('c', T0 - WEEK));
  await e.insert(rec('b', T0 + 3 * MIN));
  assert.equal(e.sweep(T0 + MIN), 1, 'c');
  assert.equal(e.sweep(T0 + 2 * MIN), 1, 'a');
  assert.equal((await e.get('b'))?.expires_at, T0 + 3 * MIN, 'the new b stays');
  assert.equal(e.sweep(T0 + 3 * MIN), 1);
  assert.equal(await e.get('b'), null);
});
