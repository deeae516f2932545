// Cross-node send and ask (DESIGN.md §1 messaging). A message for an actor
// another node owns is appended to that node's mailbox stream; each node
// reads its own stream through a consumer group and acknowledges an entry
// only once the actor has handled it, so the entries of a node that dies stay
// pending and a survivor claims them (XAUTOCLAIM) and has their actors, now
// placed elsewhere, handle them. An ask carries the asker's node and
// deadline.
//
// Answers (to asks and to control requests) do not go through the asker's
// mailbox stream but through its answer topic (engine.mailboxes.answer, pub/sub
// on Redis): no XADD, blocking read, ack and delete on the asker's side. They
// need no durability: an answer to an asker that died is useless, and an
// answer lost on the way (the asker's subscriber connection dropped) fails the
// ask as unavailable: at once when the engine says its subscription came back
// after a drop (every ask answered by topic and still waiting then fails; the
// key of a keyed ask is free again for the client's retry), otherwise at its
// deadline, as a slow owner would (clients retry with an idempotency key).
// The owner queues the answers of a turn with its acks and sends them
// together, one message per asker node, so that on one Redis the acks and
// answers of a turn go out in one write.
//
// Rolling upgrades: an ask says `p` when its asker takes answers by topic
// (listening already); one without it (a node of an earlier version, or this
// node before its subscription was confirmed) is answered into the asker's
// stream, and an answer (`k:'r'`) found in this node's stream is taken as ever.
import type { Logger } from 'pino';
import type { OutgoingMessage } from '../actors/behaviour.ts';
import type { AnswerCallback } from '../actors/system.ts';
import { askTimedOut, ASK_TIMEOUT_RETRY_AFTER_MS } from '../actors/ask-timeout.ts';
import { Deadlines } from '../actors/deadlines.ts';
import { assertNever } from '../actors/wire.ts';
import type { MailboxEngine, MailboxEntry } from '../engines/mailboxes.ts';
import { HaatError, toHaatError } from '../errors.ts';
import { answerLines, decodeItem, deliveryId, encodeAnswers, type AnswerBy, type MailboxItem } from './mailbox-wire.ts';
import type { NodeRing } from './node-ring.ts';

/** The local side of the actor system, bypassing cluster routing. */
export interface LocalActors {
  requestLocal<R = unknown>(address: string, msg: OutgoingMessage, timeoutMs: number | undefined, done: AnswerCallback<R>): void;
}

export interface RemoteMailboxesDeps {
  nodeId: string;
  engine: MailboxEngine;
  local: LocalActors;
  ring: () => NodeRing | undefined;
  logger: Logger;
  batch: number;
  blockMs: number;
  /**
   * Entries of this node's mailbox handed to its actors and not answered yet,
   * at most: reading stops there and goes on once half have been answered.
   * What is not read waits in the engine, where an ask past its deadline is
   * dropped unhandled when it is read; without the bound, a node behind in a
   * flash sale read everything queued for it into its actors' mailboxes.
   */
  maxInFlight: number;
  /** For sends handled on arrival (no asker waiting): how long the actor may take. */
  sendTimeoutMs: number;
}

/** Answers a control request from another node (see mailbox-wire.ts); a rejection goes back as the error. */
export type ControlHandler = (request: unknown, from: string) => Promise<unknown>;

interface PendingAsk {
  done: AnswerCallback<unknown>;
  address: string;
  timeoutMs: number;
  /** Answered by topic (not through this node's stream): lost when the subscription drops. */
  byTopic: boolean;
}

/** Backoff between attempts of a loop that retries an engine call: 200 ms doubling to 2 s. */
function retryPause(failures: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(failures, 5))).unref());
}

// Rings that disagree for a moment (one node saw a change first) could bounce
// an entry between two nodes; after this many hops it is handled where it is.
const MAX_HOPS = 3;

// Answers to one node in one message at most (a turn with more sends several).
const MAX_ANSWERS_PER_MESSAGE = 256;

export class RemoteMailboxes {
  private readonly pending = new Map<number, PendingAsk>();
  // Ids of asks and sends, from a random base: answers meant for an earlier
  // process with the same node id match nothing here, and delivery ids
  // (mailbox-wire.ts) of two processes do not meet.
  private nextAsk = Math.floor(Math.random() * 2 ** 40);
  private readonly deadlines = new Deadlines((i) => {
    const p = this.pending.get(i);
    if (!p) return;
    this.pending.delete(i);
    p.done(askTimedOut(p.address, p.timeoutMs, '(on another node)'), undefined);
  });
  private readonly acks = new Map<string, string[]>();
  /** Answers to send by topic, by asker node; sent with the acks. */
  private readonly answersOut = new Map<string, MailboxItem[]>();
  private flushScheduled = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private listening: Promise<void> | undefined;
  /** Set once this node's answer topic is subscribed: its asks then ask for answers by topic. */
  private answerBy: AnswerBy | undefined;
  private readonly answerListener = (body: string): void => this.takeAnswers(body);
  private readonly takeovers = new Map<string, Promise<number>>();
  private readonly log: Logger;
  private control: ControlHandler | undefined;
  /** Mailbox stream entries handled, for stats and tests. */
  handled = 0;
  /** Entries handed to this node's actors and not answered yet (see maxInFlight). */
  private inFlight = 0;
  /** Set while reading waits for in-flight entries to be answered. */
  private resumeReading: (() => void) | undefined;
  /** Times reading waited at maxInFlight, for stats and tests. */
  readPauses = 0;
  /** Answers received by topic, for stats and tests. */
  answersByTopic = 0;

  constructor(private readonly d: RemoteMailboxesDeps) {
    this.log = d.logger.child({ mod: 'mailboxes' });
  }

  /** Whether this node's answer topic is subscribed (its asks are answered by topic from then on). */
  get listeningForAnswers(): boolean {
    return this.answerBy !== undefined;
  }

  start(): void {
    this.listening ??= this.listenForAnswers();
    this.loop ??= this.consumeLoop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resumeReading?.();
    this.deadlines.stop();
    for (const [i, p] of this.pending) {
      this.pending.delete(i);
      p.done(new HaatError('unavailable', 'node stopping'), undefined);
    }
    this.flush();
    await Promise.all([this.loop, this.listening]);
    if (this.listening) {
      await this.d.engine.offAnswers(this.d.nodeId, this.answerListener).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'could not unsubscribe from the answer topic'));
    }
  }

  send(node: string, address: string, msg: OutgoingMessage): void {
    this.enqueue(node, { k: 's', a: address, m: msg, f: this.d.nodeId, u: this.nextAsk++ }, (err) => {
      this.log.warn({ node, address, type: msg.type, err: err.message }, 'undeliverable send to another node');
    });
  }

  request<R>(node: string, address: string, msg: OutgoingMessage, timeoutMs: number, done: AnswerCallback<R>): void {
    const i = this.expectAnswer(address, timeoutMs, done as AnswerCallback<unknown>);
    const item: MailboxItem = { k: 'a', a: address, m: msg, f: this.d.nodeId, i, d: Date.now() + timeoutMs };
    if (this.answerBy !== undefined) item.p = this.answerBy;
    this.enqueue(node, item, (err) => this.answer(i, undefined, toHaatError(err)));
  }

  /** Registers an answer this node waits for (failed as unavailable past timeoutMs) and returns its id. */
  private expectAnswer(what: string, timeoutMs: number, done: AnswerCallback<unknown>): number {
    const i = this.nextAsk++;
    this.pending.set(i, { done, address: what, timeoutMs, byTopic: this.answerBy !== undefined });
    this.deadlines.add(i, timeoutMs);
    return i;
  }

  /** Sets who answers control requests addressed to this node. */
  onControl(handler: ControlHandler): void {
    this.control = handler;
  }

  /** Sends a control request to `node` and resolves with its answer; rejects as unavailable past timeoutMs. */
  ask(node: string, request: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const i = this.expectAnswer(`node:${node}`, timeoutMs, (err, v) => (err ? reject(err) : resolve(v)));
      const item: MailboxItem = { k: 'c', t: node, c: request, f: this.d.nodeId, i, d: Date.now() + timeoutMs };
      if (this.answerBy !== undefined) item.p = this.answerBy;
      this.enqueue(node, item, (err) => this.answer(i, undefined, toHaatError(err)));
    });
  }

  /**
   * Takes over the mailbox of a node that left the ring: entries it had read
   * but not acknowledged (claimed) and entries it never read, each handled by
   * whoever owns its actor now. Resolves with how many were taken.
   */
  takeOver(dead: string): Promise<number> {
    let t = this.takeovers.get(dead);
    if (!t) {
      t = this.drainMailboxOf(dead).finally(() => this.takeovers.delete(dead));
      this.takeovers.set(dead, t);
    }
    return t;
  }

  private async drainMailboxOf(dead: string): Promise<number> {
    let n = 0;
    for (;;) {
      const claimed = await this.d.engine.claim(dead, this.d.nodeId, 0, this.d.batch);
      for (const e of claimed) this.handle(dead, e);
      n += claimed.length;
      if (claimed.length < this.d.batch) break;
    }
    for (;;) {
      const fresh = await this.d.engine.consume(dead, this.d.batch, 1);
      for (const e of fresh) this.handle(dead, e);
      n += fresh.length;
      if (fresh.length < this.d.batch) break;
    }
    if (n > 0) this.log.warn({ dead, entries: n }, 'took over entries from the mailbox of a node that left the ring');
    return n;
  }

  private enqueue(node: string, item: MailboxItem & { h?: number }, failed: (err: Error) => void): void {
    this.d.engine.enqueue(node, JSON.stringify(item)).catch(failed);
  }

  /** Subscribes to this node's answer topic, retrying with backoff until it is (the engine keeps it across reconnects, and says when answers were lost meanwhile). */
  private async listenForAnswers(): Promise<void> {
    this.d.engine.onAnswersLost(() => this.failAnswersLost());
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.d.engine.onAnswers(this.d.nodeId, this.answerListener);
        if (failures > 0) this.log.info({ failures }, 'answer topic subscribed');
        this.answerBy = 1;
        return;
      } catch (err) {
        failures++;
        if (failures === 1) this.log.error({ err: (err as Error).message }, 'answer topic subscribe failed; asks are answered through the mailbox until it succeeds; retrying with backoff');
        await retryPause(failures);
      }
    }
  }

  /** The subscription to this node's answer topic came back after a drop: answers sent meanwhile are gone. */
  private failAnswersLost(): void {
    if (this.stopped) return;
    let failed = 0;
    for (const [i, p] of this.pending) {
      if (!p.byTopic) continue;
      this.pending.delete(i);
      failed++;
      p.done(new HaatError('unavailable', `ask to ${p.address} (on another node): its answer may have been lost while this node's Redis subscriber reconnected`, { retryAfterMs: ASK_TIMEOUT_RETRY_AFTER_MS }), undefined);
    }
    if (failed > 0) this.log.warn({ failed }, 'failed the asks waiting for answers by topic: the answer subscription dropped and is back');
  }

  /** Answers that came by topic (see encodeAnswers). */
  private takeAnswers(body: string): void {
    for (const line of answerLines(body)) {
      const item = decodeItem(line);
      if (item?.k !== 'r') {
        this.log.error({ size: line.length }, 'dropping an answer that is not a haat answer');
        continue;
      }
      this.answersByTopic++;
      try {
        this.answer(item.i, item.v, item.e ? HaatError.fromBody(item.e) : undefined);
      } catch (err) {
        // Runs inside the engine's message event: a throw here must not reach its connection (or the next answers).
        this.log.error({ err: (err as Error).message, i: item.i }, 'handling an answer from another node failed');
      }
    }
  }

  /** Sends an answer to the asker `to`: by topic with this turn's acks when it asked so, else into its mailbox stream. */
  private reply(to: string, by: AnswerBy | undefined, r: MailboxItem, what: string): void {
    if (by === undefined) {
      this.enqueue(to, r, (e) => this.log.warn({ to, err: e.message }, `could not answer ${what} from another node`));
      return;
    }
    const q = this.answersOut.get(to);
    if (q) q.push(r);
    else this.answersOut.set(to, [r]);
    this.scheduleFlush();
  }

  private async consumeLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const room = this.d.maxInFlight - this.inFlight;
      if (room <= 0) {
        this.readPauses++;
        if (this.readPauses === 1) this.log.warn({ inFlight: this.inFlight }, 'mailbox reading paused: this node\'s actors have maxInFlight entries to answer (logged once)');
        await new Promise<void>((resolve) => (this.resumeReading = resolve));
        continue;
      }
      try {
        const entries = await this.d.engine.consume(this.d.nodeId, Math.min(this.d.batch, room), this.d.blockMs);
        failures = 0;
        for (const e of entries) this.handle(this.d.nodeId, e);
      } catch (err) {
        failures++;
        if (failures === 1) this.log.error({ err: (err as Error).message }, 'mailbox read failed; retrying with backoff');
        await retryPause(failures);
      }
    }
  }

  private handle(stream: string, entry: MailboxEntry): void {
    const item = decodeItem(entry.body) as (MailboxItem & { h?: number }) | undefined;
    if (!item) {
      this.log.error({ stream, id: entry.id }, 'dropping a mailbox entry that is not a haat message');
      return this.ack(stream, entry.id);
    }
    this.handled++;
    switch (item.k) {
      case 'r':
        this.answer(item.i, item.v, item.e ? HaatError.fromBody(item.e) : undefined);
        return this.ack(stream, entry.id);
      case 's':
      case 'a': {
        if (item.k === 'a' && item.d <= Date.now()) return this.ack(stream, entry.id); // the asker gave up already
        const owner = this.d.ring()?.ownerOf(item.a);
        const hops = item.h ?? 0;
        if (owner !== undefined && owner !== this.d.nodeId && hops < MAX_HOPS) {
          // Placed elsewhere now (the ring moved): forward, then acknowledge.
          this.d.engine.enqueue(owner, JSON.stringify({ ...item, h: hops + 1 })).then(
            () => this.ack(stream, entry.id),
            (err: unknown) => this.log.warn({ owner, address: item.a, err: (err as Error).message }, 'could not forward a mailbox entry; it stays pending for a later claim'),
          );
          return;
        }
        const timeoutMs = item.k === 'a' ? Math.max(1, item.d - Date.now()) : this.d.sendTimeoutMs;
        // `via` (deliveryId): the same on every handling of this item, so an actor can tell a second one.
        const via = deliveryId(item);
        this.inFlight++;
        try {
          this.d.local.requestLocal(item.a, via === undefined ? item.m : { ...item.m, via }, timeoutMs, (err, v) => {
            this.answered();
            this.ack(stream, entry.id);
            if (item.k === 'a') {
              this.reply(item.f, item.p, err ? { k: 'r', i: item.i, e: err.toBody() } : { k: 'r', i: item.i, v }, 'an ask');
            } else if (err) {
              this.log.warn({ address: item.a, type: item.m.type, code: err.code }, `send from ${item.f} failed: ${err.message}`);
            }
          });
        } catch (err) {
          // Not handed over (a message that cannot be encoded): its slot is free again, and the read loop hears of it.
          this.answered();
          throw err;
        }
        return;
      }
      case 'c':
        this.ack(stream, entry.id);
        // Meant for another node (a mailbox taken over) or too late: nobody should get this node's answer instead.
        if (item.t !== this.d.nodeId || item.d <= Date.now()) return;
        this.answerControl(item);
        return;
      default:
        return assertNever(item);
    }
  }

  /** One in-flight entry answered: reading resumes once half the bound is free. */
  private answered(): void {
    this.inFlight--;
    if (this.resumeReading !== undefined && this.inFlight <= this.d.maxInFlight / 2) {
      const resume = this.resumeReading;
      this.resumeReading = undefined;
      resume();
    }
  }

  private answerControl(item: Extract<MailboxItem, { k: 'c' }>): void {
    const reply = (r: MailboxItem): void => this.reply(item.f, item.p, r, 'a control request');
    const handler = this.control;
    if (!handler) return reply({ k: 'r', i: item.i, e: new HaatError('unavailable', `node ${this.d.nodeId} does not answer control requests yet`).toBody() });
    handler(item.c, item.f).then(
      (v) => reply({ k: 'r', i: item.i, v }),
      (err: unknown) => reply({ k: 'r', i: item.i, e: toHaatError(err).toBody() }),
    );
  }

  private answer(i: number, v: unknown, err: HaatError | undefined): void {
    const p = this.pending.get(i);
    if (!p) return; // timed out already, or meant for an earlier process
    this.pending.delete(i);
    p.done(err, err ? undefined : v);
  }

  private ack(stream: string, id: string): void {
    const ids = this.acks.get(stream);
    if (ids) ids.push(id);
    else this.acks.set(stream, [id]);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Sends the turn's answers (one message per asker node) and acks (one
   * script per stream), all issued in one go: on one Redis the command
   * connection's auto-pipelining writes them together.
   */
  private flush(): void {
    this.flushScheduled = false;
    for (const [to, items] of this.answersOut) {
      for (let i = 0; i < items.length; i += MAX_ANSWERS_PER_MESSAGE) {
        const part = items.length <= MAX_ANSWERS_PER_MESSAGE ? items : items.slice(i, i + MAX_ANSWERS_PER_MESSAGE);
        this.d.engine.answer(to, encodeAnswers(part)).catch((err: unknown) => this.log.warn({ to, n: part.length, err: (err as Error).message }, 'could not answer asks from another node; they time out there'));
      }
    }
    this.answersOut.clear();
    for (const [stream, ids] of this.acks) {
      this.d.engine.ack(stream, ids).catch((err: unknown) => this.log.warn({ stream, n: ids.length, err: (err as Error).message }, 'ack failed; the entries may be handled again after a takeover'));
    }
    this.acks.clear();
  }
}
