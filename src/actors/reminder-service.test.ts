import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReminderService } from './reminder-service.ts';
import type { ReminderMessage } from './behaviour.ts';
import { MemoryReminderEngine } from '../engines/memory/memory-reminders.ts';
import { silentLogger } from '../log/logger.ts';

function service(isLocal: (a: string) => boolean = () => true) {
  const engine = new MemoryReminderEngine();
  const clock = { t: 1000, now(): number { return this.t; } };
  const got: [string, ReminderMessage][] = [];
  let refuse = false;
  const svc = new ReminderService({
    engine,
    deliver: (a, m) => {
      if (refuse) throw new Error('host saturated');
      got.push([a, m]);
    },
    isLocal,
    clock,
    pollMs: 60_000,
    retryMs: 500,
    limit: 100,
    logger: silentLogger(),
  });
  return { engine, clock, got, svc, refuse: (on: boolean) => (refuse = on) };
}

test('a due reminder is delivered once per retry interval until cancelled', { timeout: 5000 }, async () => {
  const { engine, clock, got, svc } = service();
  await engine.set({ address: 'auction:a', name: 'close', dueAt: 1500 });
  assert.equal(await svc.poll(), 0, 'not due yet');
  clock.t = 1500;
  assert.equal(await svc.poll(), 1);
  assert.deepEqual(got, [['auction:a', { type: 'reminder', name: 'close', due_at: 1500 }]]);
  clock.t = 1999;
  assert.equal(await svc.poll(), 0, 'within the retry interval');
  clock.t = 2000;
  assert.equal(await svc.poll(), 1, 'still set after the retry interval: delivered again (at least once)');
  await engine.cancel('auction:a', 'close');
  clock.t = 5000;
  assert.equal(await svc.poll(), 0);
  assert.equal(got.length, 2);
});

test('a re-set reminder is delivered when it is due again, without waiting for the retry interval', { timeout: 5000 }, async () => {
  const { engine, clock, got, svc } = service();
  await engine.set({ address: 'sale:s', name: 'hold', dueAt: 1000 });
  assert.equal(await svc.poll(), 1);
  await engine.set({ address: 'sale:s', name: 'hold', dueAt: 1100 });
  clock.t = 1100;
  assert.equal(await svc.poll(), 1);
  assert.deepEqual(got.map(([, m]) => m.due_at), [1000, 1100]);
});

test('only addresses this node owns are delivered; a refused delivery is tried again next poll', { timeout: 5000 }, async () => {
  const { engine, got, svc, refuse } = service((a) => a.startsWith('user:'));
  await engine.set({ address: 'user:mine', name: 'grace', dueAt: 900 });
  await engine.set({ address: 'room:theirs', name: 'ttl', dueAt: 900 });
  refuse(true);
  assert.equal(await svc.poll(), 0);
  refuse(false);
  assert.equal(await svc.poll(), 1);
  assert.deepEqual(got.map(([a]) => a), ['user:mine']);
});
