// A survivor that takes over the mailbox of a node that stalled after taking
// an entry (before acknowledging it) hands that entry to its own actor with
// the same delivery id (`via`) the stalled node's actor saw, so an actor can
// tell the second handling from a new message (the channel actor appends once:
// domain/channel/redelivery.test.ts). Answers go by the asker's answer topic,
// the answers of one turn to one asker in one message; nodes of the previous
// version (answers in the stream, asks without `p`) are still understood.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutgoingMessage } from '../actors/behaviour.ts';
import type { AnswerCallback } from '../actors/system.ts';
import { MemoryMailboxes } from '../engines/memory/memory-mailboxes.ts';
import { ASK_TIMEOUT_RETRY_AFTER_MS } from '../actors/ask-timeout.ts';
import { HaatError } from '../errors.ts';
import { silentLogger } from '../log/logger.ts';
import { decodeItem, type MailboxItem } from './mailbox-wire.ts';
import { RemoteMailboxes, type LocalActors } from './remote-mailboxes.ts';
import { waitFor, withTimeout } from '../testkit/wait.ts';

/** The actors of one node, as the mailbox reader sees them: records what it is handed; answers unless stalled. */
class Actors implements LocalActors {
  readonly seen: { address: string; msg: OutgoingMessage }[] = [];
  constructor(private readonly stalled: boolean) {}
  requestLocal<R>(address: string, msg: OutgoingMessage, _timeoutMs: number | undefined, done: AnswerCallback<R>): void {
    this.seen.push({ address, msg });
    if (!this.stalled) done(undefined, { handled: msg.type } as R);
  }
}

function node(id: string, engine: MemoryMailboxes, actors: LocalActors, maxInFlight = 1000): RemoteMailboxes {
  return new RemoteMailboxes({ nodeId: id, engine, local: actors, ring: () => undefined, logger: silentLogger(), batch: 16, blockMs: 20, maxInFlight, sendTimeoutMs: 1000 });
}

/** Actors that answer only when told to: what they were handed waits in `held`. */
class SlowActors implements LocalActors {
  readonly held: { msg: OutgoingMessage; done: AnswerCallback<unknown> }[] = [];
  requestLocal<R>(_address: string, msg: OutgoingMessage, _timeoutMs: number | undefined, done: AnswerCallback<R>): void {
    this.held.push({ msg, done: done as AnswerCallback<unknown> });
  }
  answer(n: number): void {
    for (const h of this.held.splice(0, n)) h.done(undefined, { handled: h.msg.type });
  }
}

test('a node reads at most maxInFlight entries its actors have not answered; the rest wait in the engine, then are read in order', async () => {
  const engine = new MemoryMailboxes({ now: () => Date.now() });
  const actors = new SlowActors();
  const owner = node('n1', engine, actors, 4);
  const sender = node('n2', engine, new Actors(false));
  owner.start();
  try {
    for (let k = 0; k < 10; k++) sender.send('n1', `user:u${k}`, { type: `t${k}` });
    await waitFor(() => owner.readPauses, (n) => n === 1, { timeoutMs: 5000, what: 'reading to pause at 4 in flight' });
    assert.deepEqual(actors.held.map((h) => h.msg.type), ['t0', 't1', 't2', 't3'], 'four read, none beyond the bound');
    actors.answer(1);
    assert.equal(owner.readPauses, 1, 'one answered of four: still paused (resumes at half)');
    actors.answer(1);
    // Two in flight now: reading resumes and takes two more, up to the bound again.
    await waitFor(() => owner.readPauses, (n) => n === 2, { timeoutMs: 5000, what: 'reading to resume and pause again' });
    assert.deepEqual(actors.held.map((h) => h.msg.type), ['t2', 't3', 't4', 't5']);
    while (owner.handled < 10) {
      actors.answer(actors.held.length);
      await waitFor(() => actors.held.length > 0 || owner.handled === 10, (ok) => ok, { timeoutMs: 5000, what: 'the rest to be read' });
    }
    actors.answer(actors.held.length);
    assert.equal(owner.handled, 10, 'every entry read once');
  } finally {
    await Promise.all([owner.stop(), sender.stop()]);
  }
});

test('an entry the stalled node took is handled again by the survivor with the same via; asks and sends alike', async () => {
  const engine = new MemoryMailboxes({ now: () => Date.now() });
  const n1Actors = new Actors(false);
  const n2Actors = new Actors(true);
  const n1 = node('n1', engine, n1Actors);
  const n2 = node('n2', engine, n2Actors);
  const n3 = node('n3', engine, new Actors(false));
  n2.start();
  n3.start(); // reads its answers
  try {
    const answer = new Promise<unknown>((resolve, reject) => n3.request('n2', 'channel:product:p1', { type: 'publish', event_type: 'x' }, 10_000, (err, v) => (err ? reject(err) : resolve(v))));
    n3.send('n2', 'channel:product:p2', { type: 'publish', event_type: 'y' });
    await waitFor(() => n2Actors.seen.length, (n) => n === 2, { timeoutMs: 5000, what: 'n2 to take both entries' });
    const [ask, send] = n2Actors.seen;
    const askVia = (ask!.msg as { via?: unknown }).via;
    const sendVia = (send!.msg as { via?: unknown }).via;
    assert.equal(typeof askVia, 'string');
    assert.equal(typeof sendVia, 'string');
    assert.notEqual(askVia, sendVia, 'each item its own id');
    // n2 stalls (its actor never finishes, nothing is acknowledged); n1 takes its mailbox over.
    assert.equal(await n1.takeOver('n2'), 2);
    assert.deepEqual(
      n1Actors.seen.map((s) => [s.address, (s.msg as { via?: unknown }).via]).sort(),
      [['channel:product:p1', askVia], ['channel:product:p2', sendVia]].sort(),
    );
    assert.deepEqual(await answer, { handled: 'publish' }, 'the survivor answers the asker');
  } finally {
    await Promise.all([n1.stop(), n2.stop(), n3.stop()]);
  }
});

/** A memory engine that records the answers sent by topic and can lose them (a dropped subscriber connection). */
class RecordingMailboxes extends MemoryMailboxes {
  readonly answers: { node: string; body: string }[] = [];
  lose = false;
  constructor() {
    super({ now: () => Date.now() });
  }
  override async answer(node: string, body: string): Promise<void> {
    this.answers.push({ node, body });
    if (!this.lose) await super.answer(node, body);
  }
}

function ask(from: RemoteMailboxes, to: string, address: string, type: string, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => from.request(to, address, { type }, timeoutMs, (err, v) => (err ? reject(err) : resolve(v))));
}

async function listening(...nodes: RemoteMailboxes[]): Promise<void> {
  await waitFor(() => nodes.every((n) => n.listeningForAnswers), (ok) => ok, { timeoutMs: 5000, what: 'answer topics subscribed' });
}

test('asks and control requests are answered by topic, not through the asker\'s stream; one message per asker per turn', async () => {
  const engine = new RecordingMailboxes();
  const owner = node('n1', engine, new Actors(false));
  const asker = node('n2', engine, new Actors(false));
  owner.onControl(async (req, from) => ({ req, from }));
  owner.start();
  asker.start();
  try {
    await listening(owner, asker);
    // Five asks in one turn: the owner reads them in one batch and its actors answer at once.
    const answers = await withTimeout(
      Promise.all([1, 2, 3, 4, 5].map((k) => ask(asker, 'n1', `user:u${k}`, `t${k}`))),
      { timeoutMs: 5000, what: 'five answers' },
    );
    assert.deepEqual(answers, [1, 2, 3, 4, 5].map((k) => ({ handled: `t${k}` })));
    assert.equal(engine.answers.length, 1, 'the five answers of one turn in one message');
    assert.equal(engine.answers[0]!.node, 'n2');
    assert.equal(engine.answers[0]!.body.split('\n').length, 5);
    assert.deepEqual(await withTimeout(asker.ask('n1', { what: 'stats' }, 5000), { what: 'control answer' }), { req: { what: 'stats' }, from: 'n2' });
    assert.equal(asker.answersByTopic, 6);
    assert.equal(asker.handled, 0, 'nothing came through the asker\'s mailbox stream');
  } finally {
    await Promise.all([owner.stop(), asker.stop()]);
  }
});

test('an answer lost on the way fails the ask as unavailable at its deadline, saying when to try again', async () => {
  const engine = new RecordingMailboxes();
  const owner = node('n1', engine, new Actors(false));
  const asker = node('n2', engine, new Actors(false));
  owner.start();
  asker.start();
  try {
    await listening(owner, asker);
    engine.lose = true;
    const t0 = Date.now();
    await assert.rejects(
      withTimeout(ask(asker, 'n1', 'user:u1', 'x', 300), { timeoutMs: 5000, what: 'the ask to fail' }),
      (err: unknown) => err instanceof HaatError && err.code === 'unavailable' && err.retryAfterMs === ASK_TIMEOUT_RETRY_AFTER_MS && err.toBody().retry_after_ms === ASK_TIMEOUT_RETRY_AFTER_MS,
    );
    assert.ok(Date.now() - t0 >= 250, 'failed at its deadline');
    assert.equal(engine.answers.length, 1, 'the owner did answer');
  } finally {
    await Promise.all([owner.stop(), asker.stop()]);
  }
});

test('rolling upgrade: an ask from a node of the previous version is answered into its stream; an answer in the stream is still taken', async () => {
  const engine = new RecordingMailboxes();
  const current = node('n1', engine, new Actors(false));
  current.start();
  try {
    await listening(current);
    // A previous-version asker ('old') sends an ask without `p` and reads its own stream for the answer.
    const oldAsk: MailboxItem = { k: 'a', a: 'user:u1', m: { type: 'hello' }, f: 'old', i: 41, d: Date.now() + 10_000 };
    await engine.enqueue('n1', JSON.stringify(oldAsk));
    const [entry] = await withTimeout(engine.consume('old', 10, 5000), { what: 'the answer in the old node\'s stream' });
    assert.deepEqual(decodeItem(entry!.body), { k: 'r', i: 41, v: { handled: 'hello' } });
    assert.equal(engine.answers.length, 0, 'nothing sent by topic to a node that did not ask so');

    // A previous-version owner ('old') answers an ask of this node into this node's stream.
    const answer = ask(current, 'old', 'user:u2', 'hi');
    const [request] = await withTimeout(engine.consume('old', 10, 5000), { what: 'the ask in the old node\'s stream' });
    const item = decodeItem(request!.body);
    assert.ok(item?.k === 'a');
    assert.equal(item.p, 1, 'a listening node asks for its answer by topic (an old owner ignores this)');
    await engine.enqueue('n1', JSON.stringify({ k: 'r', i: item.i, v: 'from the old owner' }));
    assert.equal(await withTimeout(answer, { what: 'the answer through the stream' }), 'from the old owner');
    assert.equal(current.answersByTopic, 0);
  } finally {
    await current.stop();
  }
});
