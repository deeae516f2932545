// Durable actors: fencing, effects after commit, group commit and hand-off,
// in real host threads over the memory engine (held by the test, so that it
// can play "another owner" by writing to it directly).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { HaatError } from '../errors.ts';
import { nextEvent, startTestSystem, TEST_BEHAVIOURS } from '../testkit/actors.ts';
import { ObservedActorStateEngine } from '../testkit/engines.ts';
import { waitFor, withTimeout } from '../testkit/wait.ts';
import { MemoryReminderEngine } from '../engines/memory/memory-reminders.ts';
import type { ActorSystem } from './system.ts';
import type { LifecycleEvent } from './wire.ts';

const T = { timeout: 30_000 };
const systems: ActorSystem[] = [];
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

async function durableSystem(): Promise<{ s: ActorSystem; state: ObservedActorStateEngine; emits: { k: string; a: string; n: number }[]; lifecycle: LifecycleEvent[] }> {
  const state = new ObservedActorStateEngine();
  const s = await startTestSystem({ workers: 1 }, [TEST_BEHAVIOURS], { engines: { spec: { kind: 'memory' }, state, reminders: new MemoryReminderEngine() } });
  systems.push(s);
  const emits: { k: string; a: string; n: number }[] = [];
  s.onEmit((v) => emits.push(v as { k: string; a: string; n: number }));
  const lifecycle: LifecycleEvent[] = [];
  s.on('lifecycle', (ev) => lifecycle.push(ev));
  return { s, state, emits, lifecycle };
}

test('saves of several actors in one turn go to the engine as one saveMany', T, async () => {
  const { s, state } = await durableSystem();
  const actors = Array.from({ length: 10 }, (_, i) => `ledger:g${i}`);
  assert.deepEqual(await Promise.all(actors.map((a) => s.ask(a, { type: 'get' }))), actors.map(() => 0), 'activated (and loaded) first');
  assert.deepEqual(state.batches, []);
  assert.deepEqual(await Promise.all(actors.map((a) => s.ask(a, { type: 'add', by: 2 }))), actors.map(() => 2));
  assert.deepEqual(state.batches, [10], 'one call carrying the ten saves');
  assert.deepEqual(await Promise.all(actors.map((a) => s.ask(a, { type: 'add', by: 1 }))), actors.map(() => 3));
  assert.deepEqual(state.batches, [10, 10]);
});

test('effects of a persisting message leave only after its save commits, and before its answer', T, async () => {
  const { s, state, emits } = await durableSystem();
  const a = 'ledger:e';
  const witness = 'recorder:witness-e';
  assert.equal(await s.ask(a, { type: 'get' }), 0);
  const release = state.hold();
  const held = state.held();
  let answer: { n: unknown; emitted: number } | undefined;
  const answered = new Promise<void>((resolve) =>
    s.request(a, { type: 'add', by: 5, notify: witness }, undefined, (err, n) => {
      assert.equal(err, undefined);
      answer = { n, emitted: emits.filter((e) => e.a === a).length };
      resolve();
    }),
  );
  await withTimeout(held, { what: 'the save to reach the held engine' });
  // Another actor that does not persist is not held up, and its effects leave at once.
  assert.equal(await s.ask('ledger:other', { type: 'peek', notify: witness }), 0);
  assert.deepEqual(await s.ask(witness, { type: 'get' }), [['ledger:other', 0]], 'the held send has not left');
  assert.deepEqual(emits, [{ k: 'ledger', a: 'ledger:other', n: 0 }], 'nor the held emit');
  assert.equal(answer, undefined, 'nor the answer');
  release();
  await withTimeout(answered, { what: 'the answer after the commit' });
  assert.deepEqual(answer, { n: 5, emitted: 1 }, 'the emit came before the answer');
  assert.deepEqual(await s.ask(witness, { type: 'get' }), [['ledger:other', 0], [a, 5]]);
});

test('an afterCommit effect runs once its message commits, never for a refused save, and a rejection is reported as undeliverable', T, async () => {
  const { s, state } = await durableSystem();
  const a = 'ledger:ac';
  const witness = 'recorder:witness-ac';
  assert.equal(await s.ask(a, { type: 'get' }), 0);
  const release = state.hold();
  const held = state.held();
  const answered = s.ask(a, { type: 'add', by: 2, after: witness });
  await withTimeout(held, { what: 'the save to reach the held engine' });
  assert.deepEqual(await s.ask(witness, { type: 'get' }), [], 'not run before the commit');
  release();
  assert.equal(await answered, 2);
  await waitFor(() => s.ask<unknown[]>(witness, { type: 'get' }), (got) => got.length === 1, { timeoutMs: 5_000, what: 'the note after the commit' });
  assert.deepEqual(await s.ask(witness, { type: 'get' }), [['after:ledger:ac', 2]]);
  // Another owner moves the actor on: the refused save's afterCommit never runs.
  assert.deepEqual(await state.inner.saveMany([{ address: a, state: { n: 100 }, ringEpoch: 0, expectVersion: 1 }]), [{ ok: true, version: 2 }]);
  assert.equal(await s.ask(a, { type: 'add', by: 1, after: witness }), 101, 'handled again by the new incarnation, from the stored state');
  await waitFor(() => s.ask<unknown[]>(witness, { type: 'get' }), (got) => got.length === 2, { timeoutMs: 5_000, what: 'the second note' });
  assert.deepEqual(await s.ask(witness, { type: 'get' }), [['after:ledger:ac', 2], ['after:ledger:ac', 101]], 'one note per committed message');
  const undeliverable = nextEvent(s, 'undeliverable', (u) => u.address === witness);
  assert.equal(await s.ask(a, { type: 'add', by: 1, after: witness, afterFails: true }), 102);
  const [u] = await undeliverable;
  assert.deepEqual({ type: u.type, code: u.error.code }, { type: 'note', code: 'unavailable' });
});

test('a save against a stale version is refused: the actor stops without restarting, drops its effects, and its messages are handed off and answered once', T, async () => {
  const { s, state, emits, lifecycle } = await durableSystem();
  const a = 'ledger:f';
  const witness = 'recorder:witness-f';
  assert.equal(await s.ask(a, { type: 'add', by: 1 }), 1); // holds version 1
  // Another owner moves the actor on behind this host's back.
  assert.deepEqual(await state.inner.saveMany([{ address: a, state: { n: 100 }, ringEpoch: 0, expectVersion: 1 }]), [{ ok: true, version: 2 }]);
  const handoffs: { ask: boolean; hops: number }[] = [];
  s.on('handoff', (h) => handoffs.push({ ask: h.ask, hops: h.hops }));
  const fenced = nextEvent(s, 'lifecycle', (ev) => ev.address === a && ev.kind === 'fenced');
  const calls: unknown[][] = [1, 2, 3].map(() => []);
  const answers = [1, 2, 3].map(
    (by, i) =>
      new Promise<void>((resolve) =>
        // Three in one turn: the first is being saved when the fence comes, the other two wait in the mailbox.
        s.request(a, { type: 'add', by, notify: witness }, undefined, (err, v) => {
          calls[i]!.push(err ?? v);
          resolve();
        }),
      ),
  );
  const [ev] = await fenced;
  assert.match(ev.detail, /stored version 2 at ring epoch 0, this host held version 1 .*3 message\(s\) handed back/);
  await withTimeout(Promise.all(answers), { what: 'the handed-off asks to be answered' });
  assert.deepEqual(await s.ask(a, { type: 'get' }), 106, 'handled by the new incarnation, from the stored state');
  assert.deepEqual(calls, [[101], [103], [106]], 'each ask answered exactly once, in order');
  assert.deepEqual(handoffs, [{ ask: true, hops: 1 }, { ask: true, hops: 1 }, { ask: true, hops: 1 }]);
  assert.deepEqual(lifecycle.filter((e) => e.address === a).map((e) => e.kind), ['fenced'], 'no crash, no restart');
  assert.deepEqual(emits.filter((e) => e.a === a).map((e) => e.n), [1, 101, 103, 106], 'the refused attempt emitted nothing');
  assert.deepEqual(await s.ask(witness, { type: 'get' }), [[a, 101], [a, 103], [a, 106]], 'nor sent anything');
});

test('a save under an older ring epoch is refused; the hand-off gives up with unavailable; told the new epoch, the actor saves', T, async () => {
  const { s, state, lifecycle } = await durableSystem();
  const a = 'ledger:r';
  // The owner under ring epoch 7 saved n=50.
  await state.inner.saveMany([{ address: a, state: { n: 50 }, ringEpoch: 7, expectVersion: 0 }]);
  const sent = nextEvent(s, 'undeliverable', (u) => u.address === a);
  s.send(a, { type: 'add', by: 1 });
  const [u] = await sent;
  assert.equal(u.error.code, 'unavailable');
  await assert.rejects(s.ask(a, { type: 'add', by: 1 }), (e: unknown) => e instanceof HaatError && e.code === 'unavailable' && /handed off 4 times/.test(e.message));
  const kinds = lifecycle.filter((e) => e.address === a).map((e) => e.kind);
  assert.ok(kinds.length === 8 && kinds.every((k) => k === 'fenced'), `fenced once per hop, never restarted: ${kinds.join(',')}`);
  s.setRingEpoch(7);
  assert.equal(await s.ask(a, { type: 'add', by: 1 }), 51, 'the stored state was never overwritten by the stale saves');
  assert.deepEqual(await state.inner.load(a), { state: { n: 51 }, version: 2, ringEpoch: 7 });
  assert.throws(() => s.setRingEpoch(-1), RangeError);
});

test('told a new ring epoch, a durable actor loads its state again before its next message: reads are not answered from a state another owner moved on', T, async () => {
  const { s, state, lifecycle } = await durableSystem();
  const a = 'ledger:reload';
  assert.equal(await s.ask(a, { type: 'add', by: 1 }), 1);
  // Under ring epoch 1, which this host has not heard of yet, another owner moved the actor on.
  await state.inner.saveMany([{ address: a, state: { n: 40 }, ringEpoch: 1, expectVersion: 1 }]);
  assert.equal(await s.ask(a, { type: 'get' }), 1, 'within one ring this host owns the actor alone and trusts what it holds');
  s.setRingEpoch(1);
  assert.equal(await s.ask(a, { type: 'get' }), 40, 'the new ring: loaded again before answering');
  assert.equal(await s.ask(a, { type: 'add', by: 2 }), 42, 'and saves on from the stored version');
  assert.deepEqual(lifecycle.filter((e) => e.address === a), [], 'no fence, no crash');
});

type Fired = { a: string; name: string; due_at: number; activation: number };

async function reminderSystem(): Promise<{ s: ActorSystem; reminders: MemoryReminderEngine; fired: Fired[]; firedTimes: (a: string, name: string, count?: number) => Promise<void> }> {
  const reminders = new MemoryReminderEngine();
  const s = await startTestSystem({ workers: 2, passivateSweepMs: 20 }, [TEST_BEHAVIOURS], {
    engines: { spec: { kind: 'memory' }, state: new ObservedActorStateEngine(), reminders },
    reminders: { pollMs: 20, retryMs: 200 },
  });
  systems.push(s);
  const fired: Fired[] = [];
  let waiters: { done: () => boolean; resolve: () => void }[] = [];
  s.onEmit((v) => {
    if ((v as { k: string }).k !== 'reminder') return;
    fired.push(v as Fired);
    waiters = waiters.filter((w) => (w.done() ? (w.resolve(), false) : true));
  });
  const firedTimes = (a: string, name: string, count = 1): Promise<void> => {
    const done = (): boolean => fired.filter((f) => f.a === a && f.name === name).length >= count;
    if (done()) return Promise.resolve();
    return withTimeout(new Promise<void>((resolve) => waiters.push({ done, resolve })), { what: `reminder ${name} of ${a} delivered ${count} time(s)` });
  };
  return { s, reminders, fired, firedTimes };
}

test('a reminder survives passivation: the actor is reactivated to receive it, once, and it is cancelled', T, async () => {
  const { s, reminders, fired, firedTimes } = await reminderSystem();
  const a = 'alarm:nap';
  const passivated = nextEvent(s, 'lifecycle', (ev) => ev.address === a && ev.kind === 'passivated');
  assert.equal(await s.ask(a, { type: 'arm', name: 'wake', inMs: 600 }), 'armed');
  assert.equal((await reminders.due(Number.MAX_SAFE_INTEGER, 10)).length, 1, 'set once the arming message committed');
  await passivated;
  assert.equal(fired.length, 0, 'passivated before it was due');
  await firedTimes(a, 'wake');
  assert.equal(fired[0]!.activation, 2, 'delivered to a new activation');
  assert.ok(fired[0]!.due_at <= Date.now());
  assert.deepEqual(await reminders.due(Number.MAX_SAFE_INTEGER, 10), [], 'the actor cancelled it');
});

test('a reminder survives a crash of its actor', T, async () => {
  const { s, firedTimes } = await reminderSystem();
  const a = 'alarm:crash';
  assert.equal(await s.ask(a, { type: 'arm', name: 'later', inMs: 200 }), 'armed');
  const restarted = nextEvent(s, 'lifecycle', (ev) => ev.address === a && ev.kind === 'restart');
  await assert.rejects(s.ask(a, { type: 'boom' }), (e: unknown) => e instanceof HaatError && e.code === 'internal');
  await restarted;
  await firedTimes(a, 'later');
});

test('a reminder the actor keeps is delivered again after the retry interval (at least once) until cancelled', T, async () => {
  const { s, reminders, fired, firedTimes } = await reminderSystem();
  const a = 'alarm:keep';
  assert.equal(await s.ask(a, { type: 'arm', name: 'nag', inMs: 0, keep: true }), 'armed');
  await firedTimes(a, 'nag', 2);
  const both = fired.filter((f) => f.a === a);
  assert.equal(both[0]!.due_at, both[1]!.due_at, 'the same reminder, delivered twice');
  assert.equal(await s.ask(a, { type: 'disarm', name: 'nag' }), 'disarmed');
  assert.deepEqual(await reminders.due(Number.MAX_SAFE_INTEGER, 10), []);
});

test('a crash drops the effects of the message, an unsent ask included, and the host thread lives on', T, async () => {
  const { s, lifecycle } = await durableSystem();
  let downs = 0;
  s.on('hostDown', () => downs++);
  const restarted = nextEvent(s, 'lifecycle', (ev) => ev.address === 'crashy:asker' && ev.kind === 'restart');
  await assert.rejects(s.ask('crashy:asker', { type: 'askThenBoom', to: 'recorder:asked' }), (e: unknown) => e instanceof HaatError && e.code === 'internal');
  await restarted;
  assert.equal(await s.ask('crashy:asker', { type: 'get' }), 0);
  assert.equal(downs, 0, 'the dropped ask`s rejection was not an unhandled one');
  assert.deepEqual(lifecycle.filter((e) => e.address === 'crashy:asker').map((e) => e.kind), ['crash', 'restart']);
});

test('an ask whose answer the handler waits for leaves at once, even in a message that persists', T, async () => {
  const { s } = await durableSystem();
  assert.equal(await s.ask('ledger:src', { type: 'add', by: 4 }), 4);
  assert.equal(await s.ask('ledger:dst', { type: 'addFrom', from: 'ledger:src' }, { timeoutMs: 3000 }), 4);
  assert.equal(await s.ask('ledger:dst', { type: 'addFrom', from: 'ledger:src' }, { timeoutMs: 3000 }), 8);
});

test('messages already waiting for one persisting actor are committed by one save, answered in order after it', T, async () => {
  const { s, state, emits } = await durableSystem();
  const a = 'ledger:batch';
  assert.equal(await s.ask(a, { type: 'get' }), 0);
  const release = state.hold();
  const held = state.held();
  const first = s.ask(a, { type: 'add', by: 1 });
  await withTimeout(held, { what: 'the first save to be held' });
  // While the first save is held, 49 more wait in the mailbox.
  const rest = Array.from({ length: 49 }, (_, i) => s.ask(a, { type: 'add', by: i + 2 }));
  release();
  const answers = await Promise.all([first, ...rest]);
  const sums = answers.map((_, i) => ((i + 1) * (i + 2)) / 2);
  assert.deepEqual(answers, sums, 'each answer is the state after its own message, in order');
  const saves = state.batches.reduce((n, b) => n + b, 0);
  assert.ok(saves <= 3, `50 messages committed by ${saves} saves`);
  assert.deepEqual(emits.filter((e) => e.a === a).map((e) => e.n), sums, 'effects in message order');
  assert.deepEqual(await state.inner.load(a).then((x) => x?.state), { n: 1275 });
});

test('a handler that fails inside a batch: the messages before it commit, it crashes alone, the ones after it are handled', T, async () => {
  const { s, state } = await durableSystem();
  const a = 'crashy:batch';
  assert.equal(await s.ask(a, { type: 'get' }), 0);
  const release = state.hold();
  const held = state.held();
  const first = s.ask(a, { type: 'inc' });
  await withTimeout(held, { what: 'the first save to be held' });
  const calls = [s.ask(a, { type: 'inc' }), s.ask(a, { type: 'boom' }).then(() => 'no error', (e: HaatError) => e.code), s.ask(a, { type: 'inc' })];
  release();
  assert.deepEqual(await Promise.all([first, ...calls]), [1, 2, 'internal', 3], 'the inc before boom was saved; the one after it started from the saved state');
  assert.equal(await s.ask(a, { type: 'get' }), 3);
});

test('state parts: a save writes only the parts a message named, and a restart reads the state back with its parts', T, async () => {
  const { s, state, lifecycle } = await durableSystem();
  const a = 'journal:j1';
  for (const [i, item] of ['a', 'b', 'c', 'd', 'e'].entries()) assert.equal(await s.ask(a, { type: 'append', item }), i + 1);
  assert.deepEqual(state.partsSaved, [['p0'], ['p0'], ['p1'], ['p1'], ['p2']], 'each save carried only the page it changed');
  assert.deepEqual(await state.inner.load(a), { state: { first: 0, count: 5 }, version: 5, ringEpoch: 0, parts: { p0: ['a', 'b'], p1: ['c', 'd'], p2: ['e', null] } });
  // Two shifts empty page p0: it is dropped.
  assert.equal(await s.ask(a, { type: 'shift' }), 4);
  assert.equal(await s.ask(a, { type: 'shift' }), 3);
  assert.deepEqual((await state.inner.load(a))?.parts, { p1: ['c', 'd'], p2: ['e', null] });
  const restarted = nextEvent(s, 'lifecycle', (ev) => ev.address === a && ev.kind === 'restart');
  await assert.rejects(s.ask(a, { type: 'boom' }));
  await withTimeout(restarted, { what: 'the restart' });
  assert.deepEqual(await s.ask(a, { type: 'list' }), ['c', 'd', 'e'], 'read back from the state and its parts');
  assert.ok(lifecycle.some((ev) => ev.address === a && ev.kind === 'crash'));
});
