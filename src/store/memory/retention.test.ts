// What the memory store forgets (retention.ts): what MongoDB's TTL indexes
// would delete, at most `notificationsPerUser` records per user, and
// disconnected sessions after `disconnectedKeepMs`; a store sweeps by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNotifications } from './memory-notifications.ts';
import { MemoryEvents } from './memory-events.ts';
import { MemoryConnections } from './memory-connections.ts';
import { createMemoryStore } from './memory-store.ts';
import { NOTIFICATION_KEEP_MS, type NotificationRecord } from '../realtime-notifications.ts';
import type { RealtimeEventRecord } from '../realtime-events.ts';
import type { ConnectionRecord } from '../connections.ts';
import { waitFor } from '../../testkit/wait.ts';

const T0 = Date.UTC(2026, 11, 6, 15, 0);

function notification(id: string, user_id: string, over: Partial<NotificationRecord> = {}): NotificationRecord {
  return {
    id,
    user_id,
    notification_type: 'auction_outbid',
    title: { en: 'Outbid', bn: 'আপনার চেয়ে বেশি দর উঠেছে' },
    message: { en: 'Someone bid ৳120', bn: 'কেউ ৳১২০ দর দিয়েছেন' },
    data: { auction_id: 'a1', amount: 120 },
    priority: 'high',
    channel: null,
    status: 'queued',
    created_at: T0,
    delivered_at: null,
    acked_at: null,
    expires_at: T0 + 3_600_000,
    ...over,
  };
}

function event(id: string, expires_at: number): RealtimeEventRecord {
  return { id, event_type: 'price_update', channel: 'product:1', data: { price: 1250 }, priority: 'normal', ttl_s: 60, created_at: T0, expires_at, delivery: { total: 0, delivered: 0, failed: 0 } };
}

function connection(session_id: string, over: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return { session_id, user_id: 'u1', node_id: 'n1', device: { type: 'phone' }, connected_at: T0, last_activity: T0, channels: [], location: null, quality: null, status: 'connected', disconnected_at: null, ...over } as ConnectionRecord;
}

test('notifications: each user keeps its newest records up to the cap, others are untouched', async () => {
  const ns = new MemoryNotifications(3);
  for (let i = 0; i < 5; i++) await ns.insertMany([notification(`a${i}`, 'alice', { created_at: T0 + i })]);
  await ns.insertMany([notification('b0', 'bob')]);
  const alice = await ns.listByUser('alice');
  assert.deepEqual(alice.items.map((r) => r.id), ['a4', 'a3', 'a2']);
  assert.equal(await ns.get('a0'), null, 'the oldest is gone');
  assert.equal(await ns.setStatus('alice', 'a1', 'delivered', T0 + 10), null);
  assert.equal((await ns.get('b0'))?.user_id, 'bob');
  // A dropped id may be inserted again (it is no longer known), and the cap holds.
  await ns.insertMany([notification('a0', 'alice', { created_at: T0 + 9 })]);
  assert.deepEqual((await ns.listByUser('alice')).items.map((r) => r.id), ['a0', 'a4', 'a3']);
});

test('notifications: a stored record is a copy (the caller changing its own does not change it)', async () => {
  const ns = new MemoryNotifications();
  const mine = notification('c1', 'carol');
  await ns.insertMany([mine]);
  (mine.data as Record<string, unknown>).amount = 1;
  mine.title.bn = 'x';
  const kept = await ns.get('c1');
  assert.deepEqual(kept?.data, { auction_id: 'a1', amount: 120 });
  assert.equal(kept?.title.bn, 'আপনার চেয়ে বেশি দর উঠেছে');
  (kept!.data as Record<string, unknown>).amount = 2;
  assert.deepEqual((await ns.get('c1'))?.data, { auction_id: 'a1', amount: 120 });
});

test('sweep deletes what the TTL indexes would: notifications a week after expiry, events at expiry, disconnected sessions after the keep', async () => {
  const ns = new MemoryNotifications();
  await ns.insertMany([notification('old', 'dave', { expires_at: T0 }), notification('new', 'dave', { expires_at: T0 + 1 })]);
  assert.equal(ns.sweep(T0 + NOTIFICATION_KEEP_MS - 1), 0);
  assert.equal(ns.sweep(T0 + NOTIFICATION_KEEP_MS), 1);
  assert.equal(await ns.get('old'), null);
  assert.deepEqual((await ns.listByUser('dave')).items.map((r) => r.id), ['new']);

  const es = new MemoryEvents();
  await es.insert(event('e1', T0 + 10));
  await es.insert(event('e2', T0 + 20));
  assert.equal(es.sweep(T0 + 10), 1);
  assert.equal(await es.get('e1'), null);
  assert.equal((await es.get('e2'))?.id, 'e2');

  const cs = new MemoryConnections(1000);
  await cs.upsert(connection('s1'));
  await cs.upsert(connection('s2'));
  await cs.disconnect('s1', T0 + 5);
  assert.equal(cs.sweep(T0 + 1004), 0);
  assert.equal(cs.sweep(T0 + 1005), 1);
  assert.equal(await cs.get('s1'), null);
  assert.equal((await cs.get('s2'))?.status, 'connected', 'a connected session is never swept');
});

test('a memory store sweeps by itself, on its clock, until it is closed', { timeout: 10_000 }, async () => {
  let now = T0;
  const store = createMemoryStore({ retention: { notificationsPerUser: 10, disconnectedKeepMs: 1000, sweepMs: 20 }, clock: { now: () => now } });
  try {
    await store.connections.upsert(connection('s9'));
    await store.connections.disconnect('s9', T0);
    await store.events.insert(event('e9', T0 + 1));
    now = T0 + 1000;
    await waitFor(async () => (await store.connections.get('s9')) === null && (await store.events.get('e9')) === null, (gone) => gone, { timeoutMs: 5000, what: 'the sweep' });
  } finally {
    await store.close();
  }
});
