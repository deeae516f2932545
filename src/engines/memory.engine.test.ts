// The shared engine suite on the memory verbs that exist so far, plus the
// clock-driven behaviour only an injected clock can show without waiting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runEngineSuite, type EngineUnderTest } from './engine.suite.ts';
import { MemoryMembership } from './memory/memory-membership.ts';
import { MemoryMailboxes } from './memory/memory-mailboxes.ts';
import { MemoryCounters } from './memory/memory-counters.ts';
import { createMemoryEngine } from './memory/memory-engine.ts';
import { systemClock, type Clock } from '../time/clock.ts';

runEngineSuite('memory', async (): Promise<EngineUnderTest> => createMemoryEngine(systemClock), {
  skip: { bus: 'the memory engine has no bus: its channel actors hand events to the gateway' },
});

class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

describe('memory engine on a manual clock', () => {
  it('token bucket refills at rate per second up to burst', async () => {
    const clock = new ManualClock(1_000_000);
    const c = new MemoryCounters(clock);
    for (let i = 0; i < 2; i++) assert.equal(await c.take('k', 2, 2), 0);
    assert.equal(await c.take('k', 2, 2), 500);
    clock.advance(250);
    assert.equal(await c.take('k', 2, 2), 250);
    clock.advance(250);
    assert.equal(await c.take('k', 2, 2), 0);
    clock.advance(10_000);
    assert.equal(await c.take('k', 2, 2), 0);
    assert.equal(await c.take('k', 2, 2), 0);
    assert.ok((await c.take('k', 2, 2)) > 0, 'never more than burst');
  });

  it('counters expire ttlMs after the last change', async () => {
    const clock = new ManualClock(0);
    const c = new MemoryCounters(clock);
    await c.add('k', 1, 100);
    clock.advance(99);
    await c.add('k', 1, 100);
    clock.advance(99);
    assert.equal(await c.get('k'), 2);
    clock.advance(1);
    assert.equal(await c.get('k'), 0);
  });

  it('membership: death after deadMs, forgotten after forgetMs', async () => {
    const clock = new ManualClock(0);
    const m = new MemoryMembership(clock, 1_000);
    const info = (id: string) => ({ id, endpoint: 'h:1', startedAt: 0, connections: 0, actors: 0 });
    await m.heartbeat(info('a'), 100);
    const v = await m.heartbeat(info('b'), 100);
    clock.advance(101);
    const dead = await m.heartbeat(info('a'), 100);
    assert.deepEqual(dead.alive, ['a']);
    assert.equal(dead.ringEpoch, v.ringEpoch + 1);
    clock.advance(1_000);
    assert.deepEqual(
      (await m.heartbeat(info('a'), 100)).members.map((x) => x.id),
      ['a'],
    );
  });

  it('mailboxes: claim honours minIdleMs on the clock', async () => {
    const clock = new ManualClock(0);
    const mb = new MemoryMailboxes(clock);
    await mb.enqueue('dead', 'x');
    await mb.consume('dead', 1, 0);
    clock.advance(999);
    assert.deepEqual(await mb.claim('dead', 'me', 1_000, 10), []);
    clock.advance(1);
    assert.deepEqual(
      (await mb.claim('dead', 'me', 1_000, 10)).map((e) => e.body),
      ['x'],
    );
    assert.deepEqual(await mb.claim('dead', 'other', 1_000, 10), [], 'a claim restarts the idle time');
  });
});
