import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Writable } from 'node:stream';
import { createMemoryStore } from './memory/memory-store.ts';
import { NotificationExpiry } from './notification-expiry.ts';
import type { NotificationRecord } from './realtime-notifications.ts';
import { createMongoStore } from './mongo/mongo-store.ts';
import { silentLogger } from '../log/logger.ts';
import { freePort } from '../testkit/redis-server.ts';
import { waitFor } from '../testkit/wait.ts';

const T0 = Date.UTC(2026, 11, 6, 18, 0);

function record(id: string, status: NotificationRecord['status'], expiresAt: number): NotificationRecord {
  return { id, user_id: 'u1', notification_type: 'auction_outbid', title: { en: 'Outbid', bn: 'আপনাকে ছাড়িয়ে গেছে' }, message: { en: 'm', bn: 'ম' }, data: {}, priority: 'high', channel: null, status, created_at: T0, delivered_at: null, acked_at: status === 'acked' ? T0 : null, expires_at: expiresAt };
}

function capture(): { logger: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

test('queued and delivered records past expires_at become expired in the store, by the interval; acked ones stay', { timeout: 10_000 }, async () => {
  let now = T0;
  const clock = { now: () => now };
  const store = createMemoryStore({ clock });
  await store.notifications.insertMany([record('n1', 'queued', T0 + 10), record('n2', 'acked', T0 + 10), record('n3', 'queued', T0 + 1_000)]);
  const { logger } = capture();
  const expiry = new NotificationExpiry(store.notifications, clock, logger, 10);
  assert.equal(await expiry.runOnce(), 0, 'nothing due yet');
  now = T0 + 20;
  expiry.start();
  await waitFor(() => store.notifications.get('n1'), (r) => r?.status === 'expired', { timeoutMs: 5_000, what: 'n1 expired by the interval' });
  await expiry.stop();
  assert.equal((await store.notifications.get('n2'))?.status, 'acked');
  assert.equal((await store.notifications.get('n3'))?.status, 'queued');
  await store.close();
});

test('a store that cannot reach its database is logged and tried again at the next sweep, not thrown', async () => {
  const port = await freePort(); // nobody listens there
  const store = createMongoStore({ url: `mongodb://127.0.0.1:${port}/?directConnection=true`, dbName: 'haat_expiry', serverSelectionTimeoutMs: 300, healthIntervalMs: 100 }, { logger: silentLogger() });
  const { logger, lines } = capture();
  const expiry = new NotificationExpiry(store.notifications, { now: () => T0 }, logger, 60_000);
  try {
    assert.equal(await expiry.runOnce(), 0);
    assert.ok(lines.some((l) => l.level === 40 && /failed/.test(l.msg)), JSON.stringify(lines));
  } finally {
    await store.close();
  }
});
