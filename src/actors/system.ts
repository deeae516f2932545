// The main-thread face of the actor runtime: placement, batching to host
// threads, asks with timeouts, host credit (a bound on what one host may have
// queued), and replacement of host threads that die.
import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import type { OutgoingMessage } from './behaviour.ts';
import { Batcher, decodeBatch } from './batcher.ts';
import { HashRingPlacement } from './hashring-placement.ts';
import type { Placement } from './placement.ts';
import { onCrash } from './supervisor.ts';
import { Deadlines } from './deadlines.ts';
import { assertNever, type FromHost, type LifecycleEvent, type ToHost, type WireError } from './wire.ts';
import type { HostTaskData } from './host-worker.ts';
import type { ActorsConfig } from '../config/schema.ts';
import { HaatError } from '../errors.ts';

export interface ActorSystemOptions {
  config: ActorsConfig;
  /** File URLs of modules exporting `behaviours`, imported by every host thread. */
  behaviourModules: string[];
  logger: Logger;
  placement?: Placement<number>;
  /** JSON handed to every host (behaviours see it as ctx.config). */
  hostConfig?: unknown;
}

export interface Undeliverable {
  address: string;
  type: string;
  error: WireError;
}

/** Called exactly once, synchronously as the answer is read off the port. */
export type AnswerCallback<R> = (err: HaatError | undefined, value: R | undefined) => void;

interface PendingAsk {
  done: AnswerCallback<unknown>;
  host: number;
  address: string;
  timeoutMs: number;
}

interface HostSlot {
  index: number;
  port: MessagePort;
  out: Batcher<ToHost>;
  /** Items posted and not yet reported processed. */
  inflight: number;
  generation: number;
  restarts: number[];
  down: boolean;
  task: Promise<string>;
  ready: Promise<void>;
  markReady: () => void;
  stopped?: () => void;
  isReady: boolean;
  lastError?: string;
  /** The worker thread's threadId, once ready. */
  thread?: number;
}

// A host thread that keeps dying at start (a broken behaviour module) is not
// restarted for ever: past this it stays down and its addresses answer unavailable.
const HOST_RESTARTS = { maxRestarts: 10, withinMs: 10_000 };

export interface ActorSystemEvents {
  lifecycle: [LifecycleEvent];
  undeliverable: [Undeliverable];
  /** A serving host's thread died (once per outage, however many replacements die while starting). */
  hostDown: [{ index: number; error: string; failedAsks: number; lostItems: number }];
  /** The host serves again (its replacement thread is ready): one per hostDown, unless it stays down. */
  hostRestarted: [{ index: number; generation: number }];
}

export class ActorSystem extends EventEmitter<ActorSystemEvents> {
  private readonly config: ActorsConfig;
  private readonly log: Logger;
  private readonly placement: Placement<number>;
  private readonly pool: Piscina;
  private readonly hosts: HostSlot[] = [];
  private readonly pending = new Map<number, PendingAsk>();
  private readonly emitListeners: ((v: unknown) => void)[] = [];
  private nextAsk = 1;
  private stopping = false;
  private readonly deadlines = new Deadlines((i) => {
    const p = this.pending.get(i);
    if (!p) return; // answered in time
    this.pending.delete(i);
    p.done(new HaatError('unavailable', `ask to ${p.address} timed out after ${p.timeoutMs} ms`), undefined);
  });

  constructor(private readonly opts: ActorSystemOptions) {
    super();
    this.config = opts.config;
    this.log = opts.logger.child({ mod: 'actors' });
    this.placement = opts.placement ?? new HashRingPlacement(opts.config.workers);
    const n = opts.config.workers;
    this.pool = new Piscina({
      filename: new URL('./host-worker.ts', import.meta.url).href,
      minThreads: n,
      maxThreads: n,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Hosts are long-running tasks: Atomics.wait would block their event loop.
      atomics: 'disabled',
    });
  }

  get hostCount(): number {
    return this.config.workers;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.config.workers; i++) this.hosts.push(this.launch(i, 0, []));
    await Promise.all(this.hosts.map((h) => h.ready));
    // A slot replaced while starting resolves `ready` for its successor's sake; wait for those too.
    while (this.hosts.some((h) => !h.down && !h.isReady)) await Promise.all(this.hosts.map((h) => h.ready));
    const down = this.hosts.find((h) => h.down);
    if (down) {
      await this.stop();
      throw new Error(`actor host ${down.index} could not start: ${down.lastError ?? 'unknown error'}`);
    }
    this.log.info({ hosts: this.config.workers }, 'actor hosts ready');
  }

  /** Messages handed to host threads and not yet processed, over all hosts. */
  queuedMessages(): number {
    let n = 0;
    for (const h of this.hosts) n += h.inflight;
    return n;
  }

  /** Listeners receive what actors `emit` (e.g. sequenced channel events). */
  onEmit(listener: (v: unknown) => void): void {
    this.emitListeners.push(listener);
  }

  hostOf(address: string): number {
    return this.placement.ownerOf(address);
  }

  /** Fire and forget. Throws `unavailable` when the owning host is saturated or down. */
  send(address: string, msg: OutgoingMessage): void {
    const host = this.admit(address);
    host.out.push({ k: 's', a: address, m: msg });
  }

  ask<R = unknown>(address: string, msg: OutgoingMessage, opts: { timeoutMs?: number } = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.request<R>(address, msg, opts.timeoutMs, (err, v) => (err ? reject(err) : resolve(v as R)));
    });
  }

  /**
   * An ask whose callback runs synchronously when the answer is read, before
   * anything the actor emitted after answering. The gateway relies on this to
   * subscribe a joining connection with no gap and no duplicate (§4).
   */
  request<R = unknown>(address: string, msg: OutgoingMessage, timeoutMs: number | undefined, done: AnswerCallback<R>): void {
    let host: HostSlot;
    try {
      host = this.admit(address);
    } catch (err) {
      done(err as HaatError, undefined);
      return;
    }
    const ms = timeoutMs ?? this.config.askTimeoutMs;
    const i = this.nextAsk++;
    this.deadlines.add(i, ms);
    this.pending.set(i, { done: done as AnswerCallback<unknown>, host: host.index, address, timeoutMs: ms });
    host.out.push({ k: 'a', i, a: address, m: msg });
  }

  /**
   * Terminates a host's thread, as a crash would (fault injection for ops
   * drills and tests): its pending asks fail with unavailable, piscina starts
   * a new thread and the host comes back empty.
   */
  async terminateHost(index: number): Promise<void> {
    const slot = this.hosts[index];
    const worker = slot && this.pool.threads.find((w) => w.threadId === slot.thread);
    if (!worker) throw new HaatError('not_found', `no running host ${index}`);
    await worker.terminate();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const stopped = this.hosts.map(
      (h) =>
        new Promise<void>((resolve) => {
          if (h.down) return resolve();
          h.stopped = resolve;
          h.out.push({ k: 'stop' });
          h.out.flush();
        }),
    );
    await Promise.race([Promise.all(stopped), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.deadlines.stop();
    for (const [i, p] of this.pending) {
      p.done(new HaatError('unavailable', 'actor system stopped'), undefined);
      this.pending.delete(i);
    }
    for (const h of this.hosts) h.port.close();
    await this.pool.destroy();
  }

  private admit(address: string): HostSlot {
    const host = this.hosts[this.placement.ownerOf(address)];
    if (host === undefined || host.down) throw new HaatError('unavailable', `host for ${address} is down`);
    if (host.inflight >= this.config.hostQueueLimit) {
      throw new HaatError('unavailable', `host ${host.index} has ${host.inflight} messages queued (limit ${this.config.hostQueueLimit})`, { retryAfterMs: 100 });
    }
    host.inflight++;
    return host;
  }

  private launch(index: number, generation: number, restarts: number[]): HostSlot {
    const { port1, port2 } = new MessageChannel();
    let markReady!: () => void;
    const ready = new Promise<void>((r) => (markReady = r));
    const data: HostTaskData = {
      port: port2,
      index,
      behaviourModules: this.opts.behaviourModules,
      mailboxLimit: this.config.mailboxLimit,
      batchMax: this.config.batchMax,
      restart: this.config.restart,
      passivateSweepMs: this.config.passivateSweepMs,
      config: this.opts.hostConfig ?? null,
    };
    const task = this.pool.run(data, { transferList: [port2] as never });
    const slot: HostSlot = { index, port: port1, out: new Batcher<ToHost>(port1, this.config.batchMax, 'immediate'), inflight: 0, generation, restarts, down: false, task, ready, markReady, isReady: false };
    port1.on('message', (raw: unknown) => {
      if (this.hosts[index] === slot || !this.hosts[index]) this.fromHost(slot, decodeBatch<FromHost>(raw));
    });
    task.then(
      () => slot.stopped?.(),
      (err: unknown) => this.onHostDeath(slot, err),
    );
    return slot;
  }

  private onHostDeath(slot: HostSlot, err: unknown): void {
    if (this.stopping) {
      slot.stopped?.();
      return;
    }
    let failedAsks = 0;
    for (const [i, p] of this.pending) {
      if (p.host !== slot.index) continue;
      this.pending.delete(i);
      p.done(new HaatError('unavailable', `host ${slot.index} died; retry`), undefined);
      failedAsks++;
    }
    const error = err instanceof Error ? err.message : String(err);
    const lostItems = Math.max(0, slot.inflight - failedAsks);
    slot.port.close();
    // A replacement that dies before it is ready prolongs the outage that the
    // first death reported: hostDown and hostRestarted stay paired per outage.
    const sameOutage = slot.generation > 0 && !slot.isReady;
    this.log.error({ host: slot.index, generation: slot.generation, error, failedAsks, lostItems }, sameOutage ? 'replacement actor host thread died while starting' : 'actor host thread died');
    if (!sameOutage) this.emit('hostDown', { index: slot.index, error, failedAsks, lostItems });
    const restarts = slot.restarts;
    // Whoever waits for this slot to be ready (start()) now looks at its successor.
    slot.markReady();
    if (onCrash(restarts, Date.now(), HOST_RESTARTS) === 'stop') {
      slot.down = true;
      slot.lastError = error;
      this.log.fatal({ host: slot.index }, 'actor host keeps dying; it stays down');
      return;
    }
    const next = this.launch(slot.index, slot.generation + 1, restarts);
    this.hosts[slot.index] = next;
    void next.ready.then(() => {
      // `ready` also resolves when this replacement dies first (for start()'s sake): only a live one is a restart.
      if (!next.isReady) return;
      this.log.warn({ host: slot.index, generation: next.generation }, 'actor host replaced');
      this.emit('hostRestarted', { index: slot.index, generation: next.generation });
    });
  }

  private fromHost(slot: HostSlot, items: FromHost[]): void {
    for (const item of items) {
      switch (item.k) {
        case 'r': {
          const p = this.pending.get(item.i);
          if (!p) break; // timed out already
          this.pending.delete(item.i);
          if (item.e) p.done(HaatError.fromBody(item.e), undefined);
          else p.done(undefined, item.v);
          break;
        }
        case 'd':
          slot.inflight -= item.n;
          break;
        case 'o':
          for (const l of this.emitListeners) l(item.v);
          break;
        case 's':
          try {
            this.send(item.a, item.m);
          } catch (err) {
            this.undeliverable({ address: item.a, type: item.m.type, error: (err as HaatError).toBody() });
          }
          break;
        case 'a': {
          const reply = (body: ToHost): void => {
            if (this.hosts[slot.index] === slot) slot.out.push(body);
          };
          this.ask(item.a, item.m, { timeoutMs: item.t }).then(
            (v) => reply({ k: 'r', i: item.i, v }),
            (e: unknown) => reply({ k: 'r', i: item.i, e: e instanceof HaatError ? e.toBody() : { code: 'internal', message: String(e) } }),
          );
          break;
        }
        case 'u':
          this.undeliverable({ address: item.a, type: item.t, error: item.e });
          break;
        case 'l':
          this.onLifecycle(item.ev);
          break;
        case 'ready':
          slot.thread = item.thread;
          slot.isReady = true;
          slot.markReady();
          break;
        case 'stopped':
          break;
        default:
          assertNever(item);
      }
    }
  }

  private undeliverable(u: Undeliverable): void {
    this.log.warn({ address: u.address, type: u.type, code: u.error.code }, `undeliverable send: ${u.error.message}`);
    this.emit('undeliverable', u);
  }

  private onLifecycle(ev: LifecycleEvent): void {
    const fields = { address: ev.address, kind: ev.kind };
    if (ev.kind === 'crash' || ev.kind === 'stopped') this.log.error(fields, ev.detail);
    else if (ev.kind === 'restart') this.log.warn(fields, ev.detail);
    else this.log.debug(fields, ev.detail);
    this.emit('lifecycle', ev);
  }
}
