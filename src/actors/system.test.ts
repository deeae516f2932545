import { test, after } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HaatError } from '../errors.ts';
import { ASK_TIMEOUT_RETRY_AFTER_MS } from './ask-timeout.ts';
import { addressesOnHost, nextEvent, startTestSystem } from '../testkit/actors.ts';
import type { ActorSystem } from './system.ts';
import { waitFor } from '../testkit/wait.ts';

// Every test has a bound: node:test has none by default, and a lost message must fail a test, not hang the suite.
const T = { timeout: 30_000 };

const systems: ActorSystem[] = [];
async function system(overrides = {}): Promise<ActorSystem> {
  const s = await startTestSystem(overrides);
  systems.push(s);
  return s;
}
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

function isCode(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => e instanceof HaatError && e.code === code && (pattern === undefined || pattern.test(e.message));
}

test('one message at a time per actor, in arrival order, under concurrent senders', T, async () => {
  const s = await system();
  const target = 'recorder:ordered';
  const [relayA] = addressesOnHost(s, 'recorder', 0, 1, 'relayA');
  const [relayB] = addressesOnHost(s, 'recorder', 1, 1, 'relayB');
  const producers = ['p0', 'p1', 'p2', 'p3'].map(async (from) => {
    for (let seq = 0; seq < 500; seq++) {
      s.send(target, { type: 'add', from, seq });
      if (seq % 50 === 0) await new Promise<void>((r) => setImmediate(r));
    }
  });
  const relays = [
    s.ask(relayA!, { type: 'relay', to: target, from: 'rA', count: 500 }),
    s.ask(relayB!, { type: 'relay', to: target, from: 'rB', count: 500 }),
  ];
  await Promise.all([...producers, ...relays]);
  // A relay's sends go out before its answer; one more round trip lets the last of them land.
  const log = await waitFor(() => s.ask<[string, number][]>(target, { type: 'get' }), (l) => l.length >= 3000, { what: '3000 entries in the log' });
  assert.equal(log.length, 3000);
  const bySender = new Map<string, number[]>();
  for (const [from, seq] of log) (bySender.get(from) ?? bySender.set(from, []).get(from)!).push(seq);
  assert.deepEqual([...bySender.keys()].sort(), ['p0', 'p1', 'p2', 'p3', 'rA', 'rB']);
  for (const [from, seqs] of bySender) assert.deepEqual(seqs, Array.from({ length: 500 }, (_, i) => i), `order of ${from}`);
});

test('actors on different host threads run in parallel; on the same thread they take turns', T, async () => {
  const s = await system();
  const [a] = addressesOnHost(s, 'recorder', 0, 1, 'par');
  const [b] = addressesOnHost(s, 'recorder', 1, 1, 'par');
  const [c, d] = addressesOnHost(s, 'recorder', 0, 2, 'seq');
  type Span = { threadId: number; start: number; end: number };
  const [x, y] = await Promise.all([s.ask<Span>(a!, { type: 'spin', ms: 250 }), s.ask<Span>(b!, { type: 'spin', ms: 250 })]);
  assert.notEqual(x.threadId, y.threadId);
  assert.ok(x.start < y.end && y.start < x.end, `spans overlap: ${JSON.stringify([x, y])}`);
  const [u, v] = await Promise.all([s.ask<Span>(c!, { type: 'spin', ms: 100 }), s.ask<Span>(d!, { type: 'spin', ms: 100 })]);
  assert.equal(u.threadId, v.threadId);
  assert.ok(u.end <= v.start || v.end <= u.start, `spans on one thread do not overlap: ${JSON.stringify([u, v])}`);
});

test('an ask that gets no answer in time fails with unavailable, saying when to try again', T, async () => {
  const s = await system();
  await assert.rejects(s.ask('recorder:late', { type: 'hold', latch: 'late' }, { timeoutMs: 50 }), (e: unknown) => isCode('unavailable', /timed out/)(e) && (e as HaatError).retryAfterMs === ASK_TIMEOUT_RETRY_AFTER_MS);
  assert.equal(await s.ask('recorder:opener-late', { type: 'open', latch: 'late' }), 'opened', 'latch of the same thread');
});

test('a crashing handler answers internal and the actor restarts from its persisted state', T, async () => {
  const s = await system();
  const a = 'crashy:restart';
  assert.equal(await s.ask(a, { type: 'inc' }), 1);
  assert.equal(await s.ask(a, { type: 'inc' }), 2);
  assert.equal(await s.ask(a, { type: 'incNoPersist' }), 3);
  const restarted = nextEvent(s, 'lifecycle', (ev) => ev.address === a && ev.kind === 'restart');
  await assert.rejects(s.ask(a, { type: 'boom' }), (e: unknown) => isCode('internal')(e) && typeof (e as HaatError).id === 'string');
  await restarted;
  // The unpersisted increment is gone, the persisted ones are back.
  assert.equal(await s.ask(a, { type: 'get' }), 2);
});

test('past the restart intensity the actor stays stopped and its asks fail with internal', T, async () => {
  const s = await system({ restart: { maxRestarts: 2, withinMs: 60_000 } });
  const a = 'crashy:intense';
  const stopped = nextEvent(s, 'lifecycle', (ev) => ev.address === a && ev.kind === 'stopped');
  for (let i = 0; i < 3; i++) await assert.rejects(s.ask(a, { type: 'boom' }), isCode('internal'));
  const [ev] = await stopped;
  assert.match(ev.detail, /stays down/);
  await assert.rejects(s.ask(a, { type: 'get' }), isCode('internal', /stopped/));
  const undeliverable = nextEvent(s, 'undeliverable', (u) => u.address === a);
  s.send(a, { type: 'inc' });
  assert.equal((await undeliverable)[0].error.code, 'internal');
  // Other actors of the same kind are untouched.
  assert.equal(await s.ask('crashy:bystander', { type: 'inc' }), 1);
});

test('an invalid handler result is a crash, and nothing of it is applied', T, async () => {
  const s = await system();
  const a = 'crashy:invalid';
  assert.equal(await s.ask(a, { type: 'incNoPersist' }), 1);
  const crash = nextEvent(s, 'lifecycle', (ev) => ev.address === a && ev.kind === 'crash');
  await assert.rejects(s.ask(a, { type: 'bad' }), isCode('internal', /invalid handler result/));
  assert.match((await crash)[0].detail, /no `state`/);
  await assert.rejects(s.ask(a, { type: 'badReply' }), isCode('internal', /invalid handler result/));
  assert.equal(await s.ask(a, { type: 'get' }), 0, 'restarted from (empty) persisted state, the +100 never applied');
});

test('unknown message types and kinds are refused, not crashes', T, async () => {
  const s = await system();
  await assert.rejects(s.ask('crashy:x', { type: 'nope' }), isCode('bad_request'));
  await assert.rejects(s.ask('ghost:x', { type: 'get' }), isCode('not_found'));
  assert.equal(await s.ask('crashy:x', { type: 'get' }), 0);
});

test('a killed host thread is replaced; its pending asks fail with unavailable and its actors come back', T, async () => {
  const s = await system();
  const [victim, waiting] = addressesOnHost(s, 'recorder', 0, 2, 'kill');
  const [elsewhere] = addressesOnHost(s, 'recorder', 1, 1, 'kill');
  s.send(elsewhere!, { type: 'add', from: 'x', seq: 1 });
  const pending = s.ask(waiting!, { type: 'hold', latch: 'never' }, { timeoutMs: 30_000 });
  const down = nextEvent(s, 'hostDown');
  const replaced = nextEvent(s, 'hostRestarted');
  s.send(victim!, { type: 'exit' });
  await assert.rejects(pending, isCode('unavailable', /died/));
  assert.equal((await down)[0].index, 0);
  await replaced;
  assert.deepEqual(await s.ask(victim!, { type: 'get' }), [], 'reactivated with a fresh state');
  assert.deepEqual(await s.ask(elsewhere!, { type: 'get' }), [['x', 1]], 'the other thread kept its actors');
});

test('mailboxes are bounded: over the bound asks fail and sends are reported, none silently dropped', T, async () => {
  const s = await system({ workers: 1, mailboxLimit: 5 });
  const a = 'recorder:busy';
  const held = s.ask(a, { type: 'hold', latch: 'mb' });
  await new Promise<void>((r) => setImmediate(r));
  const queued = Array.from({ length: 6 }, () => s.ask(a, { type: 'get' }).then(() => 'ok', (e: HaatError) => e.code));
  const undeliverable = nextEvent(s, 'undeliverable', (u) => u.address === a);
  s.send(a, { type: 'add', from: 'over', seq: 0 });
  const [u] = await undeliverable;
  assert.equal(u.error.code, 'unavailable');
  assert.match(u.error.message, /mailbox .* full/);
  assert.equal(await s.ask('recorder:opener-mb', { type: 'open', latch: 'mb' }), 'opened');
  assert.equal(await held, 'released');
  assert.deepEqual((await Promise.all(queued)).sort(), ['ok', 'ok', 'ok', 'ok', 'ok', 'unavailable']);
});

test('a saturated host refuses new messages at once with unavailable', T, async () => {
  const s = await system({ workers: 1, hostQueueLimit: 3 });
  const held = s.ask('recorder:sat', { type: 'hold', latch: 'sat' }, { timeoutMs: 200 });
  s.send('recorder:sat', { type: 'add', from: 'a', seq: 0 });
  s.send('recorder:sat', { type: 'add', from: 'a', seq: 1 });
  assert.throws(() => s.send('recorder:sat', { type: 'add', from: 'a', seq: 2 }), isCode('unavailable', /queued/));
  await assert.rejects(s.ask('recorder:other', { type: 'get' }), isCode('unavailable'));
  await assert.rejects(held, isCode('unavailable', /timed out/));
});

test('idle actors passivate and reactivate transparently with their persisted state', T, async () => {
  const s = await system({ passivateSweepMs: 20 });
  const a = 'sleepy:nap';
  assert.equal(await s.ask(a, { type: 'touch' }), 1);
  assert.equal(await s.ask(a, { type: 'touch' }), 2);
  const passivated = nextEvent(s, 'lifecycle', (ev) => ev.address === a && ev.kind === 'passivated');
  await passivated;
  assert.deepEqual(await s.ask(a, { type: 'get' }), { touches: 2, activation: 2 });
});

test('a host that cannot load its behaviours fails start() with the reason, after bounded retries', T, async () => {
  const broken = new URL('../testkit/broken-behaviours.ts', import.meta.url).href;
  await assert.rejects(startTestSystem({ workers: 1 }, [broken]), /could not start: .*broken on purpose/);
});

test('hostRestarted fires once, when a replacement is ready, not for replacements that died while starting', T, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'haat-flaky-'));
  const dieFile = join(dir, 'deaths-left');
  writeFileSync(dieFile, '0');
  const flaky = new URL('../testkit/flaky-start-behaviours.ts', import.meta.url).href;
  const s = await startTestSystem({ workers: 1 }, [flaky], { hostConfig: { dieFile } });
  systems.push(s);
  const restarted: { left: string }[] = [];
  s.on('hostRestarted', () => restarted.push({ left: readFileSync(dieFile, 'utf8') }));
  let downs = 0;
  s.on('hostDown', () => downs++);
  writeFileSync(dieFile, '2'); // the next two replacement threads die while loading
  const up = nextEvent(s, 'hostRestarted');
  await s.terminateHost(0);
  await up;
  assert.equal(restarted[0]!.left, '0', 'the event came after both doomed replacements had died');
  assert.deepEqual(await s.ask('recorder:after', { type: 'get' }), [], 'and the host serves');
  assert.equal(restarted.length, 1);
  assert.equal(downs, 1, 'one outage, one hostDown (node health counts them in pairs)');
});

test('with one process and the default placement, sends between actors of one host thread stay in it, in order, and the host queue count stays true', { timeout: 30_000 }, async () => {
  const s = await startTestSystem({ workers: 2 });
  try {
    // Relayed sends to actors of the same host and of the other one arrive all, in order.
    const [same, other] = [addressesOnHost(s, 'recorder', s.hostOf('recorder:relay-src'), 1, 'same')[0]!, addressesOnHost(s, 'recorder', 1 - s.hostOf('recorder:relay-src'), 1, 'other')[0]!];
    assert.equal(await s.ask('recorder:relay-src', { type: 'relay', to: same, from: 'x', count: 200 }), 200);
    assert.equal(await s.ask('recorder:relay-src', { type: 'relay', to: other, from: 'y', count: 200 }), 200);
    const inOrder = (n: number) => Array.from({ length: n }, (_, i) => i);
    assert.deepEqual(((await s.ask(same, { type: 'get' })) as [string, number][]).map(([, i]) => i), inOrder(200));
    assert.deepEqual(((await s.ask(other, { type: 'get' })) as [string, number][]).map(([, i]) => i), inOrder(200));
    await waitFor(() => s.queuedMessages(), (n) => n === 0, { what: 'every queued message counted as done' });
  } finally {
    await s.stop();
  }
});

test('the main-thread flag --max-semi-space-size (npm start) does not cap the host threads: their young generation is heap.hostYoungGenerationMb', T, async () => {
  // As npm start runs a node (src/heap/node-flags.ts); V8 flags are process-wide.
  setFlagsFromString('--max-semi-space-size=4');
  const small = await startTestSystem({ workers: 1 }, undefined, { hostYoungGenerationMb: 12 });
  const large = await startTestSystem({ workers: 1 }, undefined, { hostYoungGenerationMb: 48 });
  try {
    const limit = async (s: typeof small): Promise<number> => ((await s.ask('recorder:young', { type: 'whoami' })) as { heapLimitBytes: number }).heapLimitBytes;
    // The heap's limit includes the young generation's semi-spaces: 36 MB more young generation shows as at least 24 MB more limit.
    assert.ok((await limit(large)) - (await limit(small)) >= 24 * 2 ** 20, `limits ${await limit(small)} and ${await limit(large)}`);
  } finally {
    await Promise.all([small.stop(), large.stop()]);
  }
});

test('host threads run with the young generation the node gives them (heap.hostYoungGenerationMb)', T, async () => {
  const capped = await startTestSystem({ workers: 1 }, undefined, { hostYoungGenerationMb: 12 });
  const plain = await startTestSystem({ workers: 1 });
  try {
    assert.equal(((await capped.ask('recorder:young', { type: 'whoami' })) as { youngGenerationMb: number | null }).youngGenerationMb, 12);
    assert.notEqual(((await plain.ask('recorder:young', { type: 'whoami' })) as { youngGenerationMb: number | null }).youngGenerationMb, 12);
  } finally {
    await Promise.all([capped.stop(), plain.stop()]);
  }
});
