import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNotifications } from './memory-notifications.ts';
import { NOTIFICATION_KEEP_MS, type NotificationRecord } from '../realtime-notifications.ts';
import { yieldToTimers } from '../../testkit/wait.ts';

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const WEEK = 7 * 24 * 60 * MIN;
const USERS = 10_000;
const PER_USER = 50;

function rec(id: string, user: string, expiresAt: number): NotificationRecord {
  return { id, user_id: user, notification_type: 'outbid', title: { en: 't', bn: 't' }, message: { en: 'm', bn: 'm' }, data: null, priority: 'normal', channel: null, status: 'queued', created_at: T0, delivered_at: null, acked_at: null, expires_at: expiresAt };
}

/** Is record `i` one of those that expire within the first hour (one in a hundred, a minute apart per 50)? */
const soon = (i: number): boolean => i % 100 === 7;
const expiryOf = (i: number): number => (soon(i) ? T0 + (1 + Math.floor(i / 100) % 60) * MIN - 1 : T0 + WEEK);

const store = new MemoryNotifications(100);
before(async () => {
  let i = 0;
  for (let u = 0; u < USERS; u++) {
    const batch: NotificationRecord[] = [];
    for (let k = 0; k < PER_USER; k++, i++) batch.push(rec(`n${i}`, `u${u}`, expiryOf(i)));
    await store.insertMany(batch);
  }
});

// The expiry job (every minute) and the retention sweep (every minute) each
// read every record, though only those whose time has come change: with
// 500,000 records, an hour of both (60 rounds) took 1.9 s of the main thread
// here, five hours about 9.5 s, growing with every record kept for its week.
// Records kept by expiry time, the same five hours read the 5,000 due ones:
// about 30 ms. The bound, 3 s, leaves room for a loaded machine and is well
// under the full reads.
test('five hours of expiry runs and sweeps over 500,000 notifications read the due ones, not all', { timeout: 3000 }, async () => {
  let expired = 0;
  let swept = 0;
  for (let m = 1; m <= 300; m++) {
    expired += await store.expireDue(T0 + m * MIN);
    swept += store.sweep(T0 + m * MIN);
    await yieldToTimers();
  }
  assert.equal(expired, (USERS * PER_USER) / 100);
  assert.equal(swept, 0, 'nothing is a week past its expiry yet');
  assert.equal((await store.get('n7'))?.status, 'expired');
  assert.equal((await store.get('n8'))?.status, 'queued');
});

test('expired, acked and dropped records are swept a week after they expire; the rest stay', async () => {
  const s = new MemoryNotifications(3);
  await s.insertMany([rec('a', 'u1', T0 + MIN), rec('b', 'u1', T0 + 2 * MIN), rec('c', 'u1', T0 + WEEK), rec('d', 'u2', T0 + MIN)]);
  assert.ok(await s.setStatus('u1', 'b', 'acked', T0));
  // u1 gets a fourth: its oldest, a, is dropped at once (the per-user cap).
  await s.insertMany([rec('e', 'u1', T0 + 3 * MIN)]);
  assert.equal(await s.get('a'), null);
  assert.equal(await s.expireDue(T0 + 2 * MIN), 1, 'd expires; b is acked, a gone');
  assert.equal((await s.get('d'))?.status, 'expired');
  assert.equal((await s.get('b'))?.status, 'acked');
  assert.equal(await s.expireDue(T0 + 2 * MIN), 0, 'nothing twice');
  // Delivered after its expiry time but before a run: the next run expires it.
  assert.ok(await s.setStatus('u1', 'e', 'delivered', T0 + 4 * MIN));
  assert.equal(await s.expireDue(T0 + 5 * MIN), 1);
  assert.equal((await s.get('e'))?.status, 'expired');
  assert.equal(s.sweep(T0 + MIN + NOTIFICATION_KEEP_MS - 1), 0);
  assert.equal(s.sweep(T0 + 2 * MIN + NOTIFICATION_KEEP_MS), 2, 'd and b');
  assert.equal(await s.get('d'), null);
  assert.equal(await s.get('b'), null);
  assert.deepEqual((await s.listByUser('u1')).items.map((r) => r.id).sort(), ['c', 'e']);
  assert.deepEqual((await s.listByUser('u2')).items, []);
  // A record inserted long expired goes at the next sweep, without an expiry run.
  await s.insertMany([rec('f', 'u3', T0 - NOTIFICATION_KEEP_MS - MIN)]);
  assert.equal(s.sweep(T0 + 2 * MIN + NOTIFICATION_KEEP_MS), 1);
  assert.equal(s.sweep(T0 + 3 * MIN + NOTIFICATION_KEEP_MS), 1, 'e');
  assert.deepEqual((await s.listByUser('u1')).items.map((r) => r.id), ['c']);
});
