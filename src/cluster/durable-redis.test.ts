// Durable actors over a real Redis (DESIGN.md §1): two actor systems stand
// for two nodes; host threads save and set reminders through the redis
// engine. Fencing: the stale owner's save is refused; it stops the actor
// without a crash and its message is answered by the current owner.
// Reminders: one set on a node that dies is delivered by the next owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer, type RedisServer } from '../testkit/redis-server.ts';
import type { Engine } from '../engines/engine.ts';
import { startTestSystem, nextEvent } from '../testkit/actors.ts';
import { waitFor, withTimeout } from '../testkit/wait.ts';
import { createRedisEngine } from '../engines/redis/redis-engine.ts';
import { silentLogger } from '../log/logger.ts';
import type { ActorEngines, ActorSystem } from '../actors/system.ts';
import type { LifecycleEvent } from '../actors/wire.ts';

/** A redis-server of the test's own, the main thread's engine on it, and the actor engines host threads build from it. */
async function redisEngines(): Promise<{ redis: RedisServer; engine: Engine; engines: ActorEngines }> {
  const redis = await startRedisServer();
  const engine = await createRedisEngine([redis.url], { logger: silentLogger() });
  return { redis, engine, engines: { spec: { kind: 'redis', urls: [redis.url] }, state: engine.state, reminders: engine.reminders } };
}

test('a stale owner cannot overwrite state saved under a newer ring epoch; its message goes to the new owner, answered once', { timeout: 30_000 }, async () => {
  const { redis, engine, engines } = await redisEngines();
  let newOwner: ActorSystem | undefined;
  const oldOwner = await startTestSystem({ workers: 1 }, undefined, {
    engines,
    // What the cluster does: a handed-off message goes to the actor's owner now.
    handoffRoute: (h, answer) => (answer ? newOwner!.request(h.address, h.msg, 5000, answer) : newOwner!.send(h.address, h.msg)),
  });
  newOwner = await startTestSystem({ workers: 1 }, undefined, { engines });
  const lifecycle: LifecycleEvent[] = [];
  oldOwner.on('lifecycle', (ev) => lifecycle.push(ev));
  try {
    const a = 'ledger:stock-p1';
    oldOwner.setRingEpoch(1);
    assert.equal(await oldOwner.ask(a, { type: 'add', by: 1 }), 1);
    // The ring moved: the new owner loads what the old one saved and goes on.
    newOwner.setRingEpoch(2);
    assert.equal(await newOwner.ask(a, { type: 'add', by: 10 }), 11);
    // The old owner still holds its activation (version 1); its save is fenced.
    const fenced = nextEvent(oldOwner, 'lifecycle', (ev) => ev.address === a && ev.kind === 'fenced');
    assert.equal(await oldOwner.ask(a, { type: 'add', by: 100 }), 111, 'answered by the new owner, from the committed state');
    await fenced;
    assert.equal(await newOwner.ask(a, { type: 'get' }), 111);
    const stored = await engine.state.load(a);
    assert.deepEqual([stored?.state, stored?.version, stored?.ringEpoch], [{ n: 111 }, 3, 2]);
    assert.deepEqual(lifecycle.filter((ev) => ev.kind === 'crash' || ev.kind === 'restart'), [], 'a refused save is not a crash');
  } finally {
    await oldOwner.stop();
    await newOwner.stop();
    await engine.close();
    await redis.stop();
  }
});

test('a reminder set on a node that then dies is delivered by the actor`s next owner, from Redis', { timeout: 30_000 }, async () => {
  const { redis, engine, engines } = await redisEngines();
  const a = 'alarm:auction-close';
  // The first owner sets the reminder and dies before it is due: its service never delivers anything.
  const first = await startTestSystem({ workers: 1 }, undefined, { engines, reminders: { pollMs: 50, isLocal: () => false } });
  try {
    assert.equal(await first.ask(a, { type: 'arm', name: 'close', inMs: 300 }), 'armed');
  } finally {
    await first.stop();
  }
  const next = await startTestSystem({ workers: 1 }, undefined, { engines, reminders: { pollMs: 50 } });
  try {
    const fired = await withTimeout(
      new Promise<{ a: string; name: string; due_at: number }>((resolve) =>
        next.onEmit((v) => {
          const ev = v as { k: string; a: string; name: string; due_at: number };
          if (ev.k === 'reminder') resolve(ev);
        }),
      ),
      { timeoutMs: 5_000, what: 'the reminder delivered by the next owner' },
    );
    assert.deepEqual([fired.a, fired.name], [a, 'close']);
    assert.ok(fired.due_at <= Date.now(), 'delivered once due, not before');
  } finally {
    await next.stop();
    await engine.close();
    await redis.stop();
  }
});

test('while Redis is down a durable actor answers unavailable (temporary) without crashing, and serves again once Redis is back', { timeout: 30_000 }, async () => {
  const { redis, engine, engines } = await redisEngines();
  const s = await startTestSystem({ workers: 1 }, undefined, { engines });
  const lifecycle: LifecycleEvent[] = [];
  s.on('lifecycle', (ev) => lifecycle.push(ev));
  try {
    const a = 'ledger:wallet';
    assert.equal(await s.ask(a, { type: 'add', by: 5 }), 5);
    await redis.kill();
    await assert.rejects(s.ask(a, { type: 'add', by: 1 }), (e: unknown) => (e as { code?: string }).code === 'unavailable');
    // A fresh activation (its state must be loaded) is refused the same way, and not retried in a loop.
    await assert.rejects(s.ask('ledger:other', { type: 'get' }), (e: unknown) => (e as { code?: string }).code === 'unavailable');
    await redis.restart({ wipe: false });
    const back = await waitFor(
      () => s.ask<number>(a, { type: 'add', by: 1 }).catch((e: unknown) => (e as { code?: string }).code ?? 'error'),
      (v) => typeof v === 'number',
      { timeoutMs: 10_000, what: 'the actor to serve again' },
    );
    assert.equal(typeof back, 'number');
    assert.deepEqual(lifecycle.filter((ev) => ev.kind === 'crash' || ev.kind === 'restart' || ev.kind === 'stopped'), [], 'an unreachable engine is not a crash');
  } finally {
    await s.stop();
    await engine.close();
    await redis.stop();
  }
});
