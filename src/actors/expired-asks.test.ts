// An ask whose asker stopped waiting is dropped by its actor unhandled (host.ts,
// nextLive); sends, which nobody waits for, are still handled.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { HaatError } from '../errors.ts';
import { nextEvent, startTestSystem } from '../testkit/actors.ts';
import type { ActorSystem } from './system.ts';

const systems: ActorSystem[] = [];
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

test('an ask that times out while its actor is busy is not handled later; a send queued beside it is; the drop is reported', { timeout: 30_000 }, async () => {
  const s = await startTestSystem({ workers: 1 });
  systems.push(s);
  const a = 'recorder:behind';
  const reported = nextEvent(s, 'asksExpired');
  // The actor waits on a latch: what comes next queues in its mailbox.
  const held = s.ask(a, { type: 'hold', latch: 'behind' }, { timeoutMs: 20_000 });
  const late = s.ask(a, { type: 'add', from: 'ask', seq: 1 }, { timeoutMs: 50 });
  s.send(a, { type: 'add', from: 'send', seq: 2 });
  await assert.rejects(late, (e: unknown) => e instanceof HaatError && e.code === 'unavailable' && /timed out/.test(e.message));
  // Another actor of the same host thread opens the latch.
  assert.equal(await s.ask('recorder:opener', { type: 'open', latch: 'behind' }), 'opened');
  assert.equal(await held, 'released');
  assert.deepEqual(await s.ask(a, { type: 'get' }), [['send', 2]], 'the timed-out ask was dropped, the send handled');
  assert.deepEqual(await reported, [1]);
});

test('a step of a host thread\'s wall clock expires no ask: deadlines are on the monotonic clock both threads read', { timeout: 30_000 }, async () => {
  const s = await startTestSystem({ workers: 1 });
  systems.push(s);
  // The host thread's Date.now jumps a minute ahead of the main thread's (NTP stepping a drifted clock does this).
  assert.equal(await s.ask('recorder:clock', { type: 'stepClock', ms: 60_000 }), 'stepped');
  // An ask with 5 s to go is still live on the host: handled and answered, not dropped as expired.
  s.send('recorder:after-step', { type: 'add', from: 'send', seq: 1 });
  assert.deepEqual(await s.ask('recorder:after-step', { type: 'get' }, { timeoutMs: 5000 }), [['send', 1]]);
});
