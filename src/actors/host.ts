// A host owns the actors of one thread: their cells, mailboxes and the
// one_for_one supervision of each. It is plain code driven by `receive`, so
// the worker entry point only wires it to a MessagePort.
import { isThenable, type ActorContext, type ActorMessage, type Behaviour, type HandlerResult, type OutgoingMessage } from './behaviour.ts';
import { parseAddress } from './address.ts';
import { Mailbox } from './mailbox.ts';
import { onCrash, type RestartPolicy } from './supervisor.ts';
import type { Batcher } from './batcher.ts';
import type { EngineLink } from './engine-link.ts';
import type { HostEngines } from './host-engines.ts';
import { HeldAnswer } from './held-answer.ts';
import { assertNever, type FromHost, type LifecycleKind, type ToHost, type WireError } from './wire.ts';
import type { SaveOutcome, SaveRequest } from '../engines/actor-state.ts';
import { HaatError, isErrorCode } from '../errors.ts';
import type { Clock } from '../time/clock.ts';
import { monotonicMs } from '../time/monotonic.ts';
import type { Placement } from './placement.ts';

export interface HostOptions {
  index: number;
  behaviours: readonly Behaviour<any, any, any>[];
  mailboxLimit: number;
  restart: RestartPolicy;
  /** Where actors persist state and reminders. */
  engines: HostEngines;
  /** Settles engine calls answered by the main thread (memory engine). */
  link: EngineLink;
  clock: Clock;
  out: Batcher<FromHost>;
  config: unknown;
  /**
   * The placement of actors over host threads, when this host may compute it
   * itself (the memory engine: one process, fixed placement). Sends to actors
   * of this same thread are then delivered here, without the round trip
   * through the main thread; elsewhere (a cluster) the main thread routes.
   */
  localPlacement?: Placement<number>;
}

interface Item {
  m: ActorMessage;
  /** Ask id from the main thread; absent for a send. */
  ask: number | undefined;
  /** Hand-offs this message already went through. */
  hops: number;
  /** An ask's deadline (monotonicMs, the clock every thread shares): past it the asker has been told it timed out. */
  deadline?: number;
}

/** An ask made while handling: held with the effects unless the handler waits for its answer. */
interface HeldAsk {
  encoded: string;
  id: number;
  sent: boolean;
  answer: HeldAnswer<unknown>;
}

type ReminderChange = { r: 'set'; name: string; dueAt: number } | { r: 'cancel'; name: string };

/** A send to an actor of this same host thread: `m` is the message as JSON (a copy, as a send across threads would be). */
type LocalSend = { l: string; m: string };

/** An effect that is not a message (ActorContext.afterCommit). */
type AfterCommit = { to: string; what: string; run: () => Promise<unknown> };

/** What a message's handling wants done once its save commits: an encoded FromHost item, an ask, a reminder change, a local send or an afterCommit. */
type Effect = string | HeldAsk | ReminderChange | LocalSend | AfterCommit;

type CellStatus = 'new' | 'ready' | 'stopped';

interface Cell {
  address: string;
  behaviour: Behaviour<any, any, any>;
  ctx: ActorContext;
  state: unknown;
  status: CellStatus;
  running: boolean;
  mailbox: Mailbox<Item>;
  restarts: number[];
  lastActive: number;
  /** The stored version this incarnation holds: the next save expects it. */
  version: number;
  /** True while a message is being handled: effects are held, not sent. */
  capturing: boolean;
  effects: Effect[];
  /** Pending non-durable timers by name (cleared when this incarnation ends). */
  timers: Map<string, NodeJS.Timeout> | undefined;
  /** Its state came from the engine (init called loadPersisted). */
  durable: boolean;
  /** The ring changed since that state was loaded: load it again before the next message. */
  reload: boolean;
}

interface PendingSave {
  req: SaveRequest;
  resolve(o: SaveOutcome): void;
  reject(e: unknown): void;
}

/** At most this many messages of one actor are committed by one save. */
const SAVE_BATCH = 256;

const RESULT_KEYS = new Set(['state', 'reply', 'error', 'persist', 'parts']);

class InvalidResult extends Error {
  override name = 'InvalidResult';
}

class SaveFailed extends Error {
  override name = 'SaveFailed';
}

/** The runtime checks what a handler returns, as OTP checks callback returns. */
function checkResult(r: unknown): HandlerResult<unknown> {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new InvalidResult(`handler returned ${r === null ? 'null' : typeof r}, expected {state, reply?}`);
  if (!Object.prototype.hasOwnProperty.call(r, 'state')) throw new InvalidResult('handler result has no `state`');
  for (const k of Object.keys(r)) if (!RESULT_KEYS.has(k)) throw new InvalidResult(`handler result has unknown key \`${k}\``);
  const res = r as HandlerResult<unknown>;
  if (res.persist !== undefined && typeof res.persist !== 'boolean') throw new InvalidResult('`persist` must be a boolean');
  if (res.parts !== undefined && (typeof res.parts !== 'object' || res.parts === null || Array.isArray(res.parts))) throw new InvalidResult('`parts` must be an object of parts by name');
  if (res.error !== undefined && (!isErrorCode(res.error.code) || typeof res.error.message !== 'string')) {
    throw new InvalidResult('`error` must be {code (catalogue), message}');
  }
  return res;
}

export class Host {
  private readonly cells = new Map<string, Cell>();
  private readonly passivating = new Map<string, Promise<void>>();
  private readonly behaviours = new Map<string, Behaviour<any, any, any>>();
  private readonly pendingAsks = new Map<number, { resolve(v: unknown): void; reject(e: WireError): void }>();
  private nextAskId = 1;
  private errorSeq = 0;
  /** The ring epoch under which this node owns its actors (told by the main thread). */
  private ringEpoch = 0;
  private saves: PendingSave[] = [];
  private savesScheduled = false;
  // Group commit: the saves asked for in one turn go out as one saveMany.
  private readonly flushSaves = (): void => {
    this.savesScheduled = false;
    const batch = this.saves;
    this.saves = [];
    let p: Promise<SaveOutcome[]>;
    try {
      p = this.opts.engines.state.saveMany(batch.map((b) => b.req));
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (outcomes) => {
        if (outcomes.length !== batch.length) throw new SaveFailed(`saveMany answered ${outcomes.length} outcomes for ${batch.length} saves`);
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(outcomes[i]!);
      },
    ).catch((err: unknown) => {
      for (const b of batch) b.reject(err);
    });
  };
  private done = 0;
  /** Asks dropped past their deadline since the last credit (nextLive). */
  private expiredAsks = 0;
  /** The actor count the main thread last heard (GET admin/cluster's `actors`). */
  private reportedActors = 0;

  constructor(private readonly opts: HostOptions) {
    // The credit rides in the batch that carries the answers: a batch of its
    // own would cost the main thread a second wake-up per inbound batch.
    opts.out.beforeFlush = () => {
      // So does the actor count, when it changed: an activation comes with an
      // inbound item (a credit), a passivation or fencing with its lifecycle event.
      if (this.cells.size !== this.reportedActors) {
        this.reportedActors = this.cells.size;
        opts.out.push({ k: 'n', n: this.reportedActors });
      }
      if (this.done === 0) return;
      const n = this.done;
      this.done = 0;
      opts.out.push(this.expiredAsks === 0 ? { k: 'd', n } : { k: 'd', n, x: this.expiredAsks });
      this.expiredAsks = 0;
    };
    for (const b of opts.behaviours) {
      if (this.behaviours.has(b.kind)) throw new Error(`two behaviours for kind ${b.kind}`);
      this.behaviours.set(b.kind, b);
    }
  }

  get activeActors(): number {
    return this.cells.size;
  }

  receive(items: readonly ToHost[]): 'stop' | undefined {
    for (const item of items) {
      switch (item.k) {
        case 's':
          this.deliver(item.a, item.m, undefined, item.h ?? 0);
          break;
        case 'a':
          this.deliver(item.a, item.m, item.i, item.h ?? 0, item.d);
          break;
        case 'r': {
          const p = this.pendingAsks.get(item.i);
          if (p) {
            this.pendingAsks.delete(item.i);
            if (item.e) p.reject(item.e);
            else p.resolve(item.v);
          }
          break;
        }
        case 'epoch':
          if (item.e !== this.ringEpoch) this.ringChanged();
          this.ringEpoch = item.e;
          break;
        case 'xr':
          this.opts.link.settle(item.i, item.v, item.e);
          break;
        case 'stop':
          return 'stop';
        default:
          assertNever(item);
      }
    }
    return undefined;
  }

  /**
   * A new ring: another node may have owned, and changed, any actor of this
   * host since its state was loaded (this node was paused long enough to be
   * declared dead and came back, or an actor moved away and back). Saves from
   * such a state are fenced, but reads and refusals would be answered from
   * it: every durable actor loads its state again before its next message.
   */
  private ringChanged(): void {
    for (const cell of this.cells.values()) if (cell.durable) cell.reload = true;
  }

  /** Passivates the actors idle for longer than their behaviour's idleMs; answers how many. */
  sweep(): number {
    const now = this.opts.clock.now();
    let passivated = 0;
    for (const cell of this.cells.values()) {
      const idle = cell.behaviour.idleMs;
      if (idle === undefined || cell.status !== 'ready' || cell.running || cell.mailbox.length > 0) continue;
      if (now - cell.lastActive < idle) continue;
      if (cell.behaviour.mayPassivate?.(cell.state) === false) continue;
      this.cells.delete(cell.address);
      passivated++;
      clearTimers(cell);
      const last = cell.behaviour.passivate?.(cell.state, cell.ctx);
      const finish = (): void => {
        this.passivating.delete(cell.address);
        this.lifecycle('passivated', cell.address, `idle for ${now - cell.lastActive} ms`);
      };
      if (isThenable(last)) {
        this.passivating.set(
          cell.address,
          last.then(finish, (err: unknown) => {
            this.lifecycle('crash', cell.address, `passivate failed: ${describe(err)}`);
            finish();
          }),
        );
      } else {
        finish();
      }
    }
    return passivated;
  }

  private deliver(address: string, m: ActorMessage, ask: number | undefined, hops: number, deadline?: number): void {
    const cell = this.cells.get(address) ?? this.activate(address, m, ask);
    if (cell === undefined) return;
    if (cell.status === 'stopped') {
      this.refuse(address, m, ask, { code: 'internal', message: `${address} is stopped after repeated crashes` });
      return;
    }
    if (typeof m?.type !== 'string' || !cell.behaviour.messageTypes.includes(m.type)) {
      this.refuse(address, m, ask, { code: 'bad_request', message: `${cell.behaviour.kind} actors do not handle ${JSON.stringify(m?.type)}` });
      return;
    }
    if (cell.mailbox.length >= this.opts.mailboxLimit) {
      this.refuse(address, m, ask, { code: 'unavailable', message: `mailbox of ${address} is full (${this.opts.mailboxLimit})` });
      return;
    }
    cell.mailbox.push(deadline === undefined ? { m, ask, hops } : { m, ask, hops, deadline });
    if (!cell.running) void this.run(cell);
  }

  private activate(address: string, m: ActorMessage, ask: number | undefined): Cell | undefined {
    const parsed = parseAddress(address);
    const behaviour = parsed && this.behaviours.get(parsed.kind);
    if (!parsed || !behaviour) {
      this.refuse(address, m, ask, { code: 'not_found', message: `no actor kind for address ${JSON.stringify(address)}` });
      return undefined;
    }
    // The context is one small object per actor whose methods live on its
    // class (not a dozen closures per actor): hosts keep many idle actors.
    const cell = { address, behaviour, state: undefined, status: 'new', running: false, mailbox: new Mailbox(), restarts: [], lastActive: this.opts.clock.now(), version: 0, capturing: false, effects: [], timers: undefined, durable: false, reload: false } as unknown as Cell;
    cell.ctx = new CellContext(this, cell, parsed.kind, parsed.id);
    this.cells.set(address, cell);
    return cell;
  }

  /** Made while handling, an effect waits for the message's commit; otherwise it leaves at once. */
  effect(cell: Cell, e: string): void {
    if (cell.capturing) cell.effects.push(e);
    else this.opts.out.pushEncoded(e);
  }

  afterCommit(cell: Cell, e: AfterCommit): void {
    if (cell.capturing) cell.effects.push(e);
    else this.runAfterCommit(e);
  }

  private runAfterCommit(e: AfterCommit): void {
    let done: Promise<unknown>;
    try {
      done = e.run();
    } catch (err) {
      done = Promise.reject(err);
    }
    done.then(undefined, (err: unknown) => {
      this.opts.out.push({ k: 'u', a: e.to, t: e.what, e: { code: err instanceof HaatError ? err.code : 'internal', message: err instanceof Error ? err.message : String(err) } });
    });
  }

  reminder(cell: Cell, change: ReminderChange): void {
    if (cell.capturing) cell.effects.push(change);
    else this.changeReminder(cell.address, change);
  }

  async loadPersisted(cell: Cell): Promise<unknown> {
    return (await this.loadPersistedWithParts(cell)).state;
  }

  async loadPersistedWithParts(cell: Cell): Promise<{ state: unknown; parts: Readonly<Record<string, unknown>> }> {
    cell.durable = true;
    const stored = await this.opts.engines.state.load(cell.address);
    cell.version = stored?.version ?? 0;
    return { state: stored?.state, parts: stored?.parts ?? {} };
  }

  send(cell: Cell, to: string, msg: OutgoingMessage): void {
    if (this.opts.localPlacement?.ownerOf(to) !== this.opts.index) return this.effect(cell, JSON.stringify({ k: 's', a: to, m: msg }));
    const local: LocalSend = { l: to, m: JSON.stringify(msg) };
    if (cell.capturing) cell.effects.push(local);
    else this.sendLocal(local);
  }

  ask<R>(cell: Cell, to: string, msg: OutgoingMessage, timeoutMs: number): Promise<R> {
    const i = this.nextAskId++;
    const encoded = JSON.stringify({ k: 'a', i, a: to, m: msg, t: timeoutMs });
    const executor = (resolve: (v: R) => void, reject: (e: unknown) => void): void => {
      this.pendingAsks.set(i, { resolve: resolve as (v: unknown) => void, reject: (e) => reject(Object.assign(new Error(e.message), e)) });
    };
    if (!cell.capturing) {
      this.opts.out.pushEncoded(encoded);
      return new Promise<R>(executor);
    }
    const answer = new HeldAnswer<R>(executor);
    const held: HeldAsk = { encoded, id: i, sent: false, answer };
    answer.release = () => this.sendHeldAsk(held);
    cell.effects.push(held);
    return answer;
  }

  setTimer(cell: Cell, name: string, delayMs: number): void {
    const timers = (cell.timers ??= new Map());
    if (timers.has(name)) return;
    const t = setTimeout(() => {
      timers.delete(name);
      // Only the incarnation that set it: a passivated, restarted or fenced actor has no timers.
      if (this.cells.get(cell.address) !== cell || cell.status !== 'ready') return;
      this.deliverUncounted(cell.address, { type: 'timer', name } as ActorMessage);
    }, delayMs);
    timers.set(name, t);
  }

  get config(): unknown {
    return this.opts.config;
  }

  now(): number {
    return this.opts.clock.now();
  }

  private async run(cell: Cell): Promise<void> {
    cell.running = true;
    try {
      while (cell.status !== 'stopped') {
        if (cell.reload) {
          // See ringChanged: a fresh init (timers included) from the stored state.
          cell.reload = false;
          clearTimers(cell);
          cell.status = 'new';
          cell.state = undefined;
        }
        if (cell.status === 'new' && !(await this.init(cell))) {
          // Nothing left to answer (an unreachable engine refused the last one): try again on the next message.
          if (cell.status === 'new' && cell.mailbox.length === 0) break;
          continue;
        }
        const first = this.nextLive(cell);
        if (first === undefined) break;
        cell.lastActive = this.opts.clock.now();
        // Group commit within an actor too (DESIGN.md §1): while the messages
        // handled persist, the next ones already waiting are handled on the
        // state so far, and one save commits them all; their effects and
        // answers leave after it, in order. A hot auction or SKU then encodes
        // and writes its state once per batch, not once per bid or reserve.
        const handled: { item: Item; reply: string | undefined }[] = [];
        let state = cell.state;
        let persist = false;
        /** The parts the batch changed (a later message's value of a part wins). */
        let parts: Record<string, unknown> | undefined;
        let failed: { item: Item; err: unknown; mark: number } | undefined;
        cell.capturing = true;
        for (let item: Item | undefined = first; item !== undefined; item = persist && handled.length < SAVE_BATCH ? this.nextLive(cell) : undefined) {
          const mark = cell.effects.length;
          try {
            const r = cell.behaviour.handle(state, item.m, cell.ctx);
            const result = checkResult(isThenable(r) ? await r : r);
            // Encode before committing: an unserialisable reply is a bad result, not a half-applied one.
            handled.push({ item, reply: item.ask === undefined ? undefined : encodeReply(item.ask, result) });
            state = result.state;
            if (result.persist) persist = true;
            if (result.parts !== undefined) {
              persist = true;
              parts = Object.assign(parts ?? {}, result.parts);
            }
          } catch (err) {
            failed = { item, err, mark };
            break;
          }
        }
        cell.capturing = false;
        if (failed) this.dropEffects(cell, 'its handler failed', failed.mark);
        if (handled.length > 0) {
          if (persist) {
            let outcome: SaveOutcome;
            try {
              outcome = await this.save(cell, encodeState(cell.behaviour.core ? cell.behaviour.core(state) : state), parts && encodeParts(parts));
            } catch (err) {
              this.dropEffects(cell, 'its save failed');
              const items = [...handled.map((h) => h.item), ...(failed ? [failed.item] : [])];
              if (isUnavailable(err)) this.unavailableAll(cell, items, err);
              else this.crashAll(cell, items, err instanceof InvalidResult ? err : new SaveFailed(`save failed: ${describe(err)}`));
              continue;
            }
            if (!outcome.ok) {
              this.fence(cell, [...handled.map((h) => h.item), ...(failed ? [failed.item] : [])], outcome.stored);
              return;
            }
            cell.version = outcome.version;
          }
          cell.state = state;
          if (cell.effects.length !== 0) this.releaseEffects(cell);
          for (const h of handled) {
            if (h.reply !== undefined) this.opts.out.pushEncoded(h.reply);
            this.countDone();
          }
        }
        if (failed) {
          if (isUnavailable(failed.err)) this.unavailable(cell, failed.item, failed.err);
          else this.crash(cell, failed.item, failed.err);
        }
      }
    } finally {
      cell.running = false;
    }
  }

  /** `encoded`: the state as JSON; it goes to the engine as that text (the state itself is not encoded again). */
  private save(cell: Cell, encoded: string, parts: Record<string, string | null> | undefined): Promise<SaveOutcome> {
    return new Promise<SaveOutcome>((resolve, reject) => {
      const req: SaveRequest = { address: cell.address, state: undefined, encoded, ringEpoch: this.ringEpoch, expectVersion: cell.version };
      if (parts !== undefined) req.parts = parts;
      this.saves.push({ req, resolve, reject });
      if (!this.savesScheduled) {
        this.savesScheduled = true;
        // After the turn's microtasks: the whole inbound batch has been handled by then.
        setImmediate(this.flushSaves);
      }
    });
  }

  /** The message committed (or did not persist): its effects leave, in the order they were made. */
  private releaseEffects(cell: Cell): void {
    const effects = cell.effects;
    cell.effects = [];
    for (const e of effects) {
      if (typeof e === 'string') this.opts.out.pushEncoded(e);
      else if ('encoded' in e) this.sendHeldAsk(e);
      else if ('l' in e) this.sendLocal(e);
      else if ('run' in e) this.runAfterCommit(e);
      else this.changeReminder(cell.address, e);
    }
  }

  /** A send to an actor of this thread, delivered at the end of the turn (not inside the sender's handler). */
  private sendLocal(e: LocalSend): void {
    this.localSends.push(e);
    if (this.localSends.length === 1) queueMicrotask(this.flushLocalSends);
  }

  private readonly localSends: LocalSend[] = [];
  private readonly flushLocalSends = (): void => {
    const sends = this.localSends.splice(0);
    for (const e of sends) this.deliverUncounted(e.l, JSON.parse(e.m) as ActorMessage);
  };

  /**
   * Delivers a message that did not come from the main thread (a local send,
   * a timer). The main thread counts what each host has queued from the
   * credits hosts return; it never counted this one, so it takes one credit
   * back (`done` may go below zero) before its handling gives one.
   */
  private deliverUncounted(address: string, m: ActorMessage): void {
    this.done--;
    this.deliver(address, m, undefined, 0);
  }

  /** Nothing of a failed or refused message leaves (the effects made from `from` on); asks still held are failed so nobody waits on them. */
  private dropEffects(cell: Cell, why: string, from = 0): void {
    if (cell.effects.length <= from) return;
    const effects = cell.effects.slice(from);
    cell.effects = cell.effects.slice(0, from);
    for (const e of effects) {
      if (typeof e === 'string' || !('encoded' in e) || e.sent) continue; // sends, local sends, reminder changes and afterCommits are simply not made
      e.sent = true;
      const p = this.pendingAsks.get(e.id);
      this.pendingAsks.delete(e.id);
      // Nobody waited for this answer (waiting would have sent the ask): its rejection must not be an unhandled one.
      e.answer.release = undefined;
      Promise.prototype.then.call(e.answer, undefined, ignoreDroppedAsk);
      p?.reject({ code: 'unavailable', message: `not asked: ${cell.address} dropped its effects because ${why}` });
    }
  }

  private sendHeldAsk(held: HeldAsk): void {
    if (held.sent) return;
    held.sent = true;
    this.opts.out.pushEncoded(held.encoded);
  }

  private changeReminder(address: string, change: ReminderChange): void {
    const { reminders } = this.opts.engines;
    const done = change.r === 'set' ? reminders.set({ address, name: change.name, dueAt: change.dueAt }) : reminders.cancel(address, change.name);
    done.catch((err: unknown) => this.lifecycle('crash', address, `could not ${change.r} reminder ${JSON.stringify(change.name)}: ${describe(err)}`));
  }

  /**
   * A save was refused: another owner has moved the actor on. Not a crash:
   * this incarnation stops, its state and effects are dropped, and the
   * message with the rest of the mailbox goes back to the main thread, which
   * re-routes it to the current owner.
   */
  private fence(cell: Cell, items: readonly Item[], stored: { version: number; ringEpoch: number }): void {
    this.dropEffects(cell, 'its save was refused');
    clearTimers(cell);
    cell.status = 'stopped';
    cell.state = undefined;
    if (this.cells.get(cell.address) === cell) this.cells.delete(cell.address);
    const rest = cell.mailbox.drain();
    this.lifecycle(
      'fenced',
      cell.address,
      `save refused: stored version ${stored.version} at ring epoch ${stored.ringEpoch}, this host held version ${cell.version} at ring epoch ${this.ringEpoch}; ${items.length + rest.length} message(s) handed back`,
    );
    for (const it of [...items, ...rest]) this.handBack(cell.address, it);
  }

  private handBack(address: string, it: Item): void {
    const h = it.hops + 1;
    const m = it.m as OutgoingMessage;
    this.opts.out.push(it.ask === undefined ? { k: 'h', a: address, m, h } : { k: 'h', a: address, m, i: it.ask, h });
    this.countDone();
  }

  /**
   * The next message to handle. Asks whose asker stopped waiting are dropped
   * unhandled (Orleans drops expired messages too): under overload an actor
   * behind its mailbox would otherwise spend its turns on answers nobody
   * reads, and on effects (a reservation, a bid) the client was told may not
   * have happened and retries with its idempotency key anyway.
   */
  private nextLive(cell: Cell): Item | undefined {
    for (;;) {
      const item = cell.mailbox.shift();
      if (item?.deadline === undefined || item.deadline >= monotonicMs()) return item;
      this.expiredAsks++;
      this.countDone();
    }
  }

  /** Runs the behaviour's init; false when it crashed (the loop then re-checks the status). */
  private async init(cell: Cell): Promise<boolean> {
    try {
      const pending = this.passivating.get(cell.address);
      if (pending) await pending;
      const s = cell.behaviour.init(cell.ctx);
      cell.state = isThenable(s) ? await s : s;
      cell.status = 'ready';
      return true;
    } catch (err) {
      if (isUnavailable(err)) {
        // The engine is out of reach: the message that woke the actor is
        // answered unavailable (temporary) and the next one tries again.
        const item = cell.mailbox.shift();
        if (item) this.unavailable(cell, item, err);
        return false;
      }
      this.crash(cell, undefined, err);
      return false;
    }
  }

  /**
   * The engine (Redis) could not be reached while handling `item`: not a bug
   * of the actor, so no crash and no restart intensity spent. The message is
   * answered with the temporary error, and the actor reloads its state from
   * the engine before the next one (what it holds may be behind).
   */
  private unavailable(cell: Cell, item: Item, err: unknown): void {
    const e = err as HaatError;
    this.refuse(cell.address, item.m, item.ask, { code: 'unavailable', message: e.message, ...(e.retryAfterMs === undefined ? {} : { retry_after_ms: e.retryAfterMs }) });
    clearTimers(cell);
    cell.status = 'new';
    cell.state = undefined;
  }

  /** A batch's save could not reach the engine: every message of it is answered unavailable, and the state is loaded again. */
  private unavailableAll(cell: Cell, items: readonly Item[], err: unknown): void {
    const [head, ...rest] = items;
    for (const it of rest) this.refuse(cell.address, it.m, it.ask, { code: 'unavailable', message: (err as HaatError).message });
    if (head) this.unavailable(cell, head, err);
  }

  /** A batch's save failed: the first message takes the crash (and the restart intensity), the others are refused with the same error id. */
  private crashAll(cell: Cell, items: readonly Item[], err: unknown): void {
    const [head, ...rest] = items;
    const id = this.crash(cell, head, err);
    for (const it of rest) this.refuse(cell.address, it.m, it.ask, { code: 'internal', message: `${cell.address} failed: save failed`, id });
  }

  private crash(cell: Cell, item: Item | undefined, err: unknown): string {
    const id = `err_h${this.opts.index}_${++this.errorSeq}`;
    const what = err instanceof InvalidResult ? 'invalid handler result' : err instanceof SaveFailed ? 'save failed' : item ? 'handler crashed' : 'init crashed';
    this.lifecycle('crash', cell.address, `${what} [${id}] on ${item ? JSON.stringify(item.m.type) : 'activation'}: ${describe(err)}`);
    if (item) {
      if (item.ask !== undefined) this.reply(item.ask, { code: 'internal', message: `${cell.address} failed: ${what}`, id });
      this.countDone();
    }
    clearTimers(cell);
    const verdict = onCrash(cell.restarts, this.opts.clock.now(), this.opts.restart);
    if (verdict === 'restart') {
      cell.status = 'new';
      cell.state = undefined;
      this.lifecycle('restart', cell.address, `restart ${cell.restarts.length} of ${this.opts.restart.maxRestarts} within ${this.opts.restart.withinMs} ms`);
      return id;
    }
    cell.status = 'stopped';
    cell.state = undefined;
    this.lifecycle('stopped', cell.address, `more than ${this.opts.restart.maxRestarts} restarts within ${this.opts.restart.withinMs} ms; stays down`);
    for (const rest of cell.mailbox.drain()) {
      this.refuse(cell.address, rest.m, rest.ask, { code: 'internal', message: `${cell.address} is stopped after repeated crashes` });
    }
    return id;
  }

  private refuse(address: string, m: ActorMessage, ask: number | undefined, e: WireError): void {
    if (ask !== undefined) this.reply(ask, e);
    else this.opts.out.push({ k: 'u', a: address, t: String(m?.type), e });
    this.countDone();
  }

  private reply(ask: number, e: WireError): void {
    this.opts.out.push({ k: 'r', i: ask, e });
  }

  private countDone(): void {
    if (this.done++ === 0) this.opts.out.schedule();
  }

  private lifecycle(kind: LifecycleKind, address: string, detail: string): void {
    this.opts.out.push({ k: 'l', ev: { kind, address, detail, ts: this.opts.clock.now() } });
  }
}

function encodeReply(ask: number, result: HandlerResult<unknown>): string {
  try {
    if (result.error) return JSON.stringify({ k: 'r', i: ask, e: result.error });
    // {k:'r', i, v} with only the reply through the serializer (json-text.ts); no `v` when it encodes to nothing, as JSON.stringify would.
    const v = JSON.stringify(result.reply) as string | undefined;
    return v === undefined ? `{"k":"r","i":${ask}}` : `{"k":"r","i":${ask},"v":${v}}`;
  } catch (err) {
    throw new InvalidResult(`reply is not serialisable: ${describe(err)}`);
  }
}

function clearTimers(cell: Cell): void {
  if (cell.timers === undefined) return;
  for (const t of cell.timers.values()) clearTimeout(t);
  cell.timers.clear();
}

function ignoreDroppedAsk(): void {
  // The ask was dropped with its message's other effects; a later waiter still sees the rejection.
}

/** The state to persist as JSON, encoded once: an unserialisable state is a bad result, not a half-applied one. */
function encodeState(state: unknown): string {
  try {
    return JSON.stringify(state) ?? 'null';
  } catch (err) {
    throw new InvalidResult(`state to persist is not serialisable: ${describe(err)}`);
  }
}

/** The changed parts as JSON (null drops one), encoded once like the state. */
function encodeParts(parts: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, v] of Object.entries(parts)) out[name] = v === null ? null : encodeState(v);
  return out;
}

function checkReminderName(name: unknown): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new TypeError(`reminder name must be a string of 1 to 200 characters, got ${JSON.stringify(name)}`);
}

/** A temporary failure of the engine (Redis unreachable), as the engines report it. */
function isUnavailable(err: unknown): boolean {
  return err instanceof HaatError && err.code === 'unavailable';
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** An actor's context (see ActorContext): its methods are the host's, applied to its cell. */
class CellContext implements ActorContext {
  constructor(
    private readonly host: Host,
    private readonly cell: Cell,
    readonly kind: string,
    readonly id: string,
  ) {}

  get address(): string {
    return this.cell.address;
  }

  get config(): unknown {
    return this.host.config;
  }

  now(): number {
    return this.host.now();
  }

  loadPersisted(): Promise<unknown> {
    return this.host.loadPersisted(this.cell);
  }

  loadPersistedWithParts(): Promise<{ state: unknown; parts: Readonly<Record<string, unknown>> }> {
    return this.host.loadPersistedWithParts(this.cell);
  }

  send(to: string, msg: OutgoingMessage): void {
    this.host.send(this.cell, to, msg);
  }

  ask<R = unknown>(to: string, msg: OutgoingMessage, timeoutMs = 5000): Promise<R> {
    return this.host.ask<R>(this.cell, to, msg, timeoutMs);
  }

  emit(v: unknown): void {
    this.host.effect(this.cell, JSON.stringify({ k: 'o', v }));
  }

  afterCommit(to: string, what: string, run: () => Promise<unknown>): void {
    this.host.afterCommit(this.cell, { to, what, run });
  }

  setReminder(name: string, dueAt: number): void {
    checkReminderName(name);
    if (typeof dueAt !== 'number' || !Number.isFinite(dueAt)) throw new TypeError(`setReminder(${JSON.stringify(name)}): dueAt must be a finite number of ms since the epoch, got ${String(dueAt)}`);
    this.host.reminder(this.cell, { r: 'set', name, dueAt });
  }

  cancelReminder(name: string): void {
    checkReminderName(name);
    this.host.reminder(this.cell, { r: 'cancel', name });
  }

  setTimer(name: string, delayMs: number): void {
    checkReminderName(name);
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) throw new TypeError(`setTimer(${JSON.stringify(name)}): delayMs must be a finite number >= 0, got ${String(delayMs)}`);
    this.host.setTimer(this.cell, name, delayMs);
  }
}
