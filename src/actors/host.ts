// A host owns the actors of one thread: their cells, mailboxes and the
// one_for_one supervision of each. It is plain code driven by `receive`, so
// the worker entry point only wires it to a MessagePort.
import type { ActorContext, ActorMessage, Behaviour, HandlerResult, OutgoingMessage } from './behaviour.ts';
import { parseAddress } from './address.ts';
import { Mailbox } from './mailbox.ts';
import { onCrash, type RestartPolicy } from './supervisor.ts';
import type { ActorStateStore } from './state-store.ts';
import type { Batcher } from './batcher.ts';
import { assertNever, type FromHost, type LifecycleKind, type ToHost, type WireError } from './wire.ts';
import { isErrorCode } from '../errors.ts';
import type { Clock } from '../time/clock.ts';

export interface HostOptions {
  index: number;
  behaviours: readonly Behaviour<any, any, any>[];
  mailboxLimit: number;
  restart: RestartPolicy;
  store: ActorStateStore;
  clock: Clock;
  out: Batcher<FromHost>;
  config: unknown;
}

interface Item {
  m: ActorMessage;
  /** Ask id from the main thread; absent for a send. */
  ask: number | undefined;
}

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
}

const RESULT_KEYS = new Set(['state', 'reply', 'error', 'persist']);

function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

class InvalidResult extends Error {
  override name = 'InvalidResult';
}

/** The runtime checks what a handler returns, as OTP checks callback returns. */
function checkResult(r: unknown): HandlerResult<unknown> {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new InvalidResult(`handler returned ${r === null ? 'null' : typeof r}, expected {state, reply?}`);
  if (!Object.prototype.hasOwnProperty.call(r, 'state')) throw new InvalidResult('handler result has no `state`');
  for (const k of Object.keys(r)) if (!RESULT_KEYS.has(k)) throw new InvalidResult(`handler result has unknown key \`${k}\``);
  const res = r as HandlerResult<unknown>;
  if (res.persist !== undefined && typeof res.persist !== 'boolean') throw new InvalidResult('`persist` must be a boolean');
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
  private done = 0;
  private creditScheduled = false;
  private readonly flushCredit = (): void => {
    this.creditScheduled = false;
    if (this.done > 0) {
      this.opts.out.push({ k: 'd', n: this.done });
      this.done = 0;
    }
  };

  constructor(private readonly opts: HostOptions) {
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
          this.deliver(item.a, item.m, undefined);
          break;
        case 'a':
          this.deliver(item.a, item.m, item.i);
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
        case 'stop':
          return 'stop';
        default:
          assertNever(item);
      }
    }
    return undefined;
  }

  /** Passivates actors idle for longer than their behaviour's idleMs. */
  sweep(): void {
    const now = this.opts.clock.now();
    for (const cell of this.cells.values()) {
      const idle = cell.behaviour.idleMs;
      if (idle === undefined || cell.status !== 'ready' || cell.running || cell.mailbox.length > 0) continue;
      if (now - cell.lastActive < idle) continue;
      this.cells.delete(cell.address);
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
  }

  private deliver(address: string, m: ActorMessage, ask: number | undefined): void {
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
    cell.mailbox.push({ m, ask });
    if (!cell.running) void this.run(cell);
  }

  private activate(address: string, m: ActorMessage, ask: number | undefined): Cell | undefined {
    const parsed = parseAddress(address);
    const behaviour = parsed && this.behaviours.get(parsed.kind);
    if (!parsed || !behaviour) {
      this.refuse(address, m, ask, { code: 'not_found', message: `no actor kind for address ${JSON.stringify(address)}` });
      return undefined;
    }
    const { store, clock, out } = this.opts;
    const ctx: ActorContext = {
      address,
      kind: parsed.kind,
      id: parsed.id,
      config: this.opts.config,
      now: () => clock.now(),
      loadPersisted: () => store.load(address),
      send: (to, msg) => out.push({ k: 's', a: to, m: msg }),
      ask: <R>(to: string, msg: OutgoingMessage, timeoutMs = 5000) =>
        new Promise<R>((resolve, reject) => {
          const i = this.nextAskId++;
          this.pendingAsks.set(i, { resolve: resolve as (v: unknown) => void, reject: (e) => reject(Object.assign(new Error(e.message), e)) });
          out.push({ k: 'a', i, a: to, m: msg, t: timeoutMs });
        }),
      emit: (v) => out.push({ k: 'o', v }),
    };
    const cell: Cell = { address, behaviour, ctx, state: undefined, status: 'new', running: false, mailbox: new Mailbox(), restarts: [], lastActive: clock.now() };
    this.cells.set(address, cell);
    return cell;
  }

  private async run(cell: Cell): Promise<void> {
    cell.running = true;
    try {
      while (cell.status !== 'stopped') {
        if (cell.status === 'new' && !(await this.init(cell))) continue;
        const item = cell.mailbox.shift();
        if (item === undefined) break;
        cell.lastActive = this.opts.clock.now();
        let result: HandlerResult<unknown>;
        let encodedReply: string | undefined;
        try {
          const r = cell.behaviour.handle(cell.state, item.m, cell.ctx);
          result = checkResult(isThenable(r) ? await r : r);
          // Encode before committing: an unserialisable reply is a bad result, not a half-applied one.
          if (item.ask !== undefined) encodedReply = encodeReply(item.ask, result);
          if (result.persist) await this.opts.store.save(cell.address, result.state);
        } catch (err) {
          this.crash(cell, item, err);
          continue;
        }
        cell.state = result.state;
        if (encodedReply !== undefined) this.opts.out.pushEncoded(encodedReply);
        this.countDone();
      }
    } finally {
      cell.running = false;
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
      this.crash(cell, undefined, err);
      return false;
    }
  }

  private crash(cell: Cell, item: Item | undefined, err: unknown): void {
    const id = `err_h${this.opts.index}_${++this.errorSeq}`;
    const what = err instanceof InvalidResult ? 'invalid handler result' : item ? 'handler crashed' : 'init crashed';
    this.lifecycle('crash', cell.address, `${what} [${id}] on ${item ? JSON.stringify(item.m.type) : 'activation'}: ${describe(err)}`);
    if (item) {
      if (item.ask !== undefined) this.reply(item.ask, { code: 'internal', message: `${cell.address} failed: ${what}`, id });
      this.countDone();
    }
    const verdict = onCrash(cell.restarts, this.opts.clock.now(), this.opts.restart);
    if (verdict === 'restart') {
      cell.status = 'new';
      cell.state = undefined;
      this.lifecycle('restart', cell.address, `restart ${cell.restarts.length} of ${this.opts.restart.maxRestarts} within ${this.opts.restart.withinMs} ms`);
      return;
    }
    cell.status = 'stopped';
    cell.state = undefined;
    this.lifecycle('stopped', cell.address, `more than ${this.opts.restart.maxRestarts} restarts within ${this.opts.restart.withinMs} ms; stays down`);
    for (const rest of cell.mailbox.drain()) {
      this.refuse(cell.address, rest.m, rest.ask, { code: 'internal', message: `${cell.address} is stopped after repeated crashes` });
    }
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
    this.done++;
    if (!this.creditScheduled) {
      this.creditScheduled = true;
      queueMicrotask(this.flushCredit);
    }
  }

  private lifecycle(kind: LifecycleKind, address: string, detail: string): void {
    this.opts.out.push({ k: 'l', ev: { kind, address, detail, ts: this.opts.clock.now() } });
  }
}

function encodeReply(ask: number, result: HandlerResult<unknown>): string {
  try {
    return JSON.stringify(result.error ? { k: 'r', i: ask, e: result.error } : { k: 'r', i: ask, v: result.reply });
  } catch (err) {
    throw new InvalidResult(`reply is not serialisable: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
