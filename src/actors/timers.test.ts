// Non-durable timers: delivered to the incarnation that set it, once per
// name, and forgotten when the actor passivates.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { nextEvent, startTestSystem } from '../testkit/actors.ts';
import type { ActorSystem } from './system.ts';

const systems: ActorSystem[] = [];
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

type Fired = { k: string; a: string; name: string; activation: number };

test('a timer fires once per name; a second set of a pending name keeps the first', { timeout: 20_000 }, async () => {
  const s = await startTestSystem({ workers: 1, passivateSweepMs: 10_000 });
  systems.push(s);
  const fired: Fired[] = [];
  s.onEmit((v) => {
    if ((v as Fired).k === 'timer') fired.push(v as Fired);
  });
  const a = 'alarm:t1';
  const both = new Promise<void>((resolve) => s.onEmit(() => fired.length === 2 && resolve()));
  assert.equal(await s.ask(a, { type: 'tick', name: 'x', inMs: 30 }), 'ticking');
  assert.equal(await s.ask(a, { type: 'tick', name: 'x', inMs: 5 }), 'ticking');
  assert.equal(await s.ask(a, { type: 'tick', name: 'y', inMs: 60 }), 'ticking');
  await both;
  assert.deepEqual(fired.map((f) => f.name), ['x', 'y']);
});

test('a passivated actor forgets its timers: nothing wakes it', { timeout: 20_000 }, async () => {
  const s = await startTestSystem({ workers: 1, passivateSweepMs: 20 });
  systems.push(s);
  const fired: Fired[] = [];
  s.onEmit((v) => {
    if ((v as Fired).k === 'timer') fired.push(v as Fired);
  });
  const a = 'alarm:t2';
  const passivated = nextEvent(s, 'lifecycle', (ev) => ev.address === a && ev.kind === 'passivated');
  await s.ask(a, { type: 'tick', name: 'late', inMs: 400 });
  await passivated; // idleMs 50 < 400
  // Past the forgotten timer's due time (the host thread is busy meanwhile),
  // then a timer due later than it: timers fire in due order.
  await s.ask('recorder:busy', { type: 'spin', ms: 450 });
  const witness = new Promise<void>((resolve) => s.onEmit((v) => (v as Fired).a === 'alarm:t2w' && resolve()));
  await s.ask('alarm:t2w', { type: 'tick', name: 'w', inMs: 0 });
  await witness;
  assert.deepEqual(fired.map((f) => f.a), ['alarm:t2w']);
});
