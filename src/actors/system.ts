// The main-thread face of the actor runtime: placement, batching to host
// threads, asks with timeouts, host credit (a bound on what one host may have
// queued), and replacement of host threads that die.
import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { releaseMainThreadFlagsForWorkers } from '../heap/node-flags.ts';
import { markAlive } from '../threads/liveness.ts';
import type { Logger } from 'pino';
import type { OutgoingMessage } from './behaviour.ts';
import { AskTable } from './ask-table.ts';
import { askTimedOut } from './ask-timeout.ts';
import { Batcher, decodeBatchWithBlobs } from './batcher.ts';
import { jsonString } from './json-text.ts';
import { HashRingPlacement } from './hashring-placement.ts';
import type { Placement } from './placement.ts';
import { onCrash } from './supervisor.ts';
import { Deadlines } from './deadlines.ts';
import { monotonicMs } from '../time/monotonic.ts';
import { assertNever, type FromHost, type LifecycleEvent, type ToHost, type WireError } from './wire.ts';
import { TRIM_OFF, type HeapTrimConfig } from '../heap/trim-policy.ts';
import type { HeapUse, TrimReport } from '../heap/trimmer.ts';
import type { HostTaskData } from './host-worker.ts';
import { serveEngineOp, type MainService } from './engine-link.ts';
import { ReminderService } from './reminder-service.ts';
import type { ActorsConfig } from '../config/schema.ts';
import { HaatError } from '../errors.ts';
import type { ActorStateEngine } from '../engines/actor-state.ts';
import type { EngineSpec } from '../engines/engine.ts';
import type { ReminderEngine } from '../engines/reminders.ts';
import { MemoryActorStateEngine } from '../engines/memory/memory-actor-state.ts';
import { MemoryReminderEngine } from '../engines/memory/memory-reminders.ts';
import { systemClock, type Clock } from '../time/clock.ts';

export interface ActorSystemOptions {
  config: ActorsConfig;
  /** File URLs of modules exporting `behaviours`, imported by every host thread. */
  behaviourModules: string[];
  logger: Logger;
  placement?: Placement<number>;
  /** JSON handed to every host (behaviours see it as ctx.config). */
  hostConfig?: unknown;
  /** Where actors persist state and reminders; default: a memory engine of this system. */
  engines?: ActorEngines;
  /** Where a handed-off message goes; default: back through this node's placement. */
  handoffRoute?: HandoffRoute;
  reminders?: ReminderOptions;
  clock?: Clock;
  /** Main-thread services host threads may call by name (HostServices.callMain), e.g. the node's store. */
  services?: Readonly<Record<string, MainService>>;
  /** When host threads give their heap back; default: never. */
  heapTrim?: HeapTrimConfig;
  /** Cap on each host thread's young generation (MB); default: V8's. */
  hostYoungGenerationMb?: number;
}

/** How the actor system reaches actors that live on other nodes (src/cluster). */
export interface RemoteRoute {
  /** The node owning `address` when it is not this one; undefined when it is. Throws `unavailable` when nobody can tell (no ring). */
  ownerElsewhere(address: string): string | undefined;
  send(node: string, address: string, msg: OutgoingMessage): void;
  request<R>(node: string, address: string, msg: OutgoingMessage, timeoutMs: number, done: AnswerCallback<R>): void;
}

/**
 * The actor state and reminder engines. Host threads build theirs from
 * `spec`; with the memory engine they reach these very objects over their
 * port. The main thread polls `reminders` either way.
 */
export interface ActorEngines {
  spec: EngineSpec;
  state: ActorStateEngine;
  reminders: ReminderEngine;
}

export interface ReminderOptions {
  /** How often due reminders are read (default 1000 ms). */
  pollMs?: number;
  /** A delivered reminder that is still set is delivered again after this long (default 30 s). */
  retryMs?: number;
  /** Reminders read per poll (default 1000). */
  limit?: number;
  /** Whether this node owns an address (default: every address; the cluster layer narrows it). */
  isLocal?: (address: string) => boolean;
}

/** A message a fenced actor handed back unprocessed. */
export interface Handoff {
  address: string;
  msg: OutgoingMessage;
  /** How many times it has been handed off, this time included. */
  hops: number;
}

/**
 * Delivers a handed-off message to the actor's current owner. `answer` is
 * present for an ask and must be called exactly once (an error when the
 * message cannot be re-routed); for a send, a failure is the route's to report.
 */
export type HandoffRoute = (h: Handoff, answer: AnswerCallback<unknown> | undefined) => void;

// A message that keeps being handed off (the owner it reaches cannot save
// either, e.g. this node's ring epoch is behind) is refused past this.
const MAX_HANDOFF_HOPS = 3;

export interface Undeliverable {
  address: string;
  type: string;
  error: WireError;
}

/** Called exactly once, synchronously as the answer is read off the port. */
export type AnswerCallback<R> = (err: HaatError | undefined, value: R | undefined) => void;

interface HostSlot {
  index: number;
  port: MessagePort;
  out: Batcher<ToHost>;
  /** Items posted and not yet reported processed. */
  inflight: number;
  /** Actors the host holds, as it last reported. */
  actors: number;
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
  /** A host thread gave its heap back (src/heap/). */
  heapTrim: [TrimReport];
  /** A host thread's heap, every heap.trim.checkMs. */
  heapUse: [HeapUse];
  /** A host dropped this many asks unhandled, their askers having stopped waiting (host.ts, nextLive). */
  asksExpired: [number];
  /** A fenced actor handed a message back; it is being re-routed. */
  handoff: [Handoff & { ask: boolean }];
}

export class ActorSystem extends EventEmitter<ActorSystemEvents> {
  private readonly config: ActorsConfig;
  private readonly log: Logger;
  private readonly placement: Placement<number>;
  private readonly pool: Piscina;
  private readonly hosts: HostSlot[] = [];
  private readonly pending = new AskTable();
  private readonly emitListeners: ((v: unknown) => void)[] = [];
  private nextAsk = 1;
  private stopping = false;
  private remote: RemoteRoute | undefined;
  private ringEpoch = 0;
  private readonly engines: ActorEngines;
  private readonly route: HandoffRoute;
  private readonly reminderService: ReminderService;
  private readonly deadlines = new Deadlines((i) => {
    const p = this.pending.describe(i);
    if (!p) return; // answered in time
    this.pending.take(i)!(askTimedOut(p.address, p.timeoutMs), undefined);
  });

  constructor(private readonly opts: ActorSystemOptions) {
    super();
    this.config = opts.config;
    this.log = opts.logger.child({ mod: 'actors' });
    this.placement = opts.placement ?? new HashRingPlacement(opts.config.workers);
    this.engines = opts.engines ?? { spec: { kind: 'memory' }, state: new MemoryActorStateEngine(), reminders: new MemoryReminderEngine() };
    this.route = opts.handoffRoute ?? this.localRoute;
    const r = opts.reminders ?? {};
    this.reminderService = new ReminderService({
      engine: this.engines.reminders,
      deliver: (address, msg) => this.send(address, msg),
      isLocal: r.isLocal ?? (() => true),
      clock: opts.clock ?? systemClock,
      pollMs: r.pollMs ?? opts.config.reminderPollMs ?? 1000,
      retryMs: r.retryMs ?? 30_000,
      limit: r.limit ?? 1000,
      logger: this.log,
    });
    const n = opts.config.workers;
    // Before the hosts start: the main thread's semi-space flag would size them too.
    releaseMainThreadFlagsForWorkers();
    this.pool = new Piscina({
      filename: new URL('./host-worker.ts', import.meta.url).href,
      minThreads: n,
      maxThreads: n,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Hosts are long-running tasks: Atomics.wait would block their event loop.
      atomics: 'disabled',
      ...(opts.hostYoungGenerationMb === undefined ? {} : { resourceLimits: { maxYoungGenerationSizeMb: opts.hostYoungGenerationMb } }),
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
    this.reminderService.start();
    this.log.info({ hosts: this.config.workers, engine: this.engines.spec.kind }, 'actor hosts ready');
  }

  /** Reads due reminders and delivers this node's now, rather than at the next poll. */
  pollReminders(): Promise<number> {
    return this.reminderService.poll();
  }

  /**
   * The ring epoch under which this node owns its actors: every save carries
   * it, and a save under an older epoch than the stored one is refused.
   */
  setRingEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`ring epoch must be a non-negative integer, got ${epoch}`);
    // Epochs only go back when the engine lost its data (a Redis restarted
    // empty): the stored states went with it, so the new numbering is the truth.
    if (epoch < this.ringEpoch) this.log.warn({ from: this.ringEpoch, to: epoch }, 'ring epoch went back: the engine lost its data');
    this.ringEpoch = epoch;
    for (const h of this.hosts) if (!h.down) h.out.push({ k: 'epoch', e: epoch });
  }

  /** Messages handed to host threads and not yet processed, over all hosts. */
  queuedMessages(): number {
    let n = 0;
    for (const h of this.hosts) n += h.inflight;
    return n;
  }

  /** Actors held by the serving host threads (as each last reported): GET admin/cluster's `actors`. */
  activeActors(): number {
    let n = 0;
    for (const h of this.hosts) if (!h.down) n += h.actors;
    return n;
  }

  /** Listeners receive what actors `emit` (e.g. sequenced channel events). */
  onEmit(listener: (v: unknown) => void): void {
    this.emitListeners.push(listener);
  }

  hostOf(address: string): number {
    return this.placement.ownerOf(address);
  }

  /**
   * Cluster routing (DESIGN.md §1): with a remote route set, addresses other
   * nodes own leave through it; the rest go to this node's host threads.
   */
  setRemote(remote: RemoteRoute | undefined): void {
    this.remote = remote;
  }

  /** Fire and forget. Throws `unavailable` when the owning host is saturated or down. */
  send(address: string, msg: OutgoingMessage): void {
    this.routeSend(address, msg, 0);
  }

  /** To the owner by the cluster's ring when it is another node, else to this node's host; `hops` counts hand-offs. */
  private routeSend(address: string, msg: OutgoingMessage, hops: number): void {
    const node = this.remote?.ownerElsewhere(address);
    if (node !== undefined) return this.remote!.send(node, address, msg);
    this.admit(address).out.push(hops === 0 ? { k: 's', a: address, m: msg } : { k: 's', a: address, m: msg, h: hops });
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
  request<R = unknown>(address: string, msg: OutgoingMessage, timeoutMs: number | undefined, done: AnswerCallback<R>, encoded?: string): void {
    this.routeAsk(address, msg, timeoutMs, done as AnswerCallback<unknown>, 0, encoded);
  }

  /**
   * As routeSend, for an ask: `done` gets the error when nobody can tell the
   * owner. `encoded`, when given, is JSON.stringify(msg) made cheaper by a
   * caller that knows the message's shape (the per-frame path).
   */
  private routeAsk(address: string, msg: OutgoingMessage, timeoutMs: number | undefined, done: AnswerCallback<unknown>, hops: number, encoded?: string): void {
    if (this.remote) {
      let node: string | undefined;
      try {
        node = this.remote.ownerElsewhere(address);
      } catch (err) {
        done(err as HaatError, undefined);
        return;
      }
      if (node !== undefined) return this.remote.request(node, address, msg, timeoutMs ?? this.config.askTimeoutMs, done);
    }
    this.forwardAsk(address, msg, timeoutMs, done, hops, encoded);
  }

  /** An ask to this node's hosts whatever the cluster's placement says. */
  requestLocal<R = unknown>(address: string, msg: OutgoingMessage, timeoutMs: number | undefined, done: AnswerCallback<R>): void {
    this.forwardAsk(address, msg, timeoutMs, done as AnswerCallback<unknown>, 0);
  }

  private forwardAsk(address: string, msg: OutgoingMessage, timeoutMs: number | undefined, done: AnswerCallback<unknown>, hops: number, encoded?: string): void {
    // Encoded before anything is counted: an unserialisable message throws here and leaves nothing behind.
    const m = encoded ?? JSON.stringify(msg);
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
    this.pending.add(i, done, host.index, address, ms);
    // The ToHost item {k:'a', i, a, m, h?, d}, built by hand (json-text.ts). `d`: the host drops the ask unhandled past it (host.ts, nextLive);
    // on the monotonic clock both threads read, so that a step of the wall clock expires nothing.
    host.out.pushEncoded(`{"k":"a","i":${i},"a":${jsonString(address)},"m":${m}${hops === 0 ? '' : `,"h":${hops}`},"d":${Math.ceil(monotonicMs() + ms)}}`);
  }

  /** The default hand-off route: the actor's owner by the cluster's ring, else this node's placement (one node: the actor reactivates from its stored state). */
  private readonly localRoute: HandoffRoute = (h, answer) => {
    if (h.hops > MAX_HANDOFF_HOPS) {
      const err = new HaatError('unavailable', `${h.address} was handed off ${h.hops} times without reaching an owner that could save; retry`, { retryAfterMs: 1000 });
      if (answer) answer(err, undefined);
      else this.undeliverable({ address: h.address, type: h.msg.type, error: err.toBody() });
      return;
    }
    // In a cluster the new owner may be another node: the ring says where.
    if (answer) return this.routeAsk(h.address, h.msg, undefined, answer, h.hops);
    try {
      this.routeSend(h.address, h.msg, h.hops);
    } catch (err) {
      this.undeliverable({ address: h.address, type: h.msg.type, error: (err as HaatError).toBody() });
    }
  };

  private onHandoff(item: { a: string; m: OutgoingMessage; i?: number; h: number }): void {
    const h: Handoff = { address: item.a, msg: item.m, hops: item.h };
    let answer: AnswerCallback<unknown> | undefined;
    const i = item.i;
    if (i !== undefined) {
      // The ask keeps its id and deadline; whoever handles the message now answers it, once.
      this.pending.setHost(i, -1); // no longer on a host whose death should fail it
      answer = (err, v) => this.pending.take(i)?.(err, v); // nothing when timed out or answered already
    }
    this.emit('handoff', { ...h, ask: i !== undefined });
    try {
      this.route(h, answer);
    } catch (err) {
      const e = err instanceof HaatError ? err : new HaatError('unavailable', `could not re-route a message for ${h.address}: ${err instanceof Error ? err.message : String(err)}`);
      if (answer) answer(e, undefined);
      else this.undeliverable({ address: h.address, type: h.msg.type, error: e.toBody() });
    }
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
    await this.reminderService.stop();
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
    for (const i of this.pending.idsOf()) this.pending.take(i)?.(new HaatError('unavailable', 'actor system stopped'), undefined);
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
      heapTrim: this.opts.heapTrim ?? TRIM_OFF,
      engine: this.engines.spec,
      config: this.opts.hostConfig ?? null,
      // One process (memory engine) with the default placement: a host can tell which actors are its own.
      ...(this.engines.spec.kind === 'memory' && this.opts.placement === undefined ? { localPlacementHosts: this.config.workers } : {}),
    };
    const task = this.pool.run(data, { transferList: [port2] as never });
    const slot: HostSlot = { index, port: port1, out: new Batcher<ToHost>(port1, this.config.batchMax, 'immediate'), inflight: 0, actors: 0, generation, restarts, down: false, task, ready, markReady, isReady: false };
    // First item of the first batch: saves of a new thread carry the current epoch.
    slot.out.push({ k: 'epoch', e: this.ringEpoch });
    port1.on('message', (raw: unknown) => {
      if (this.hosts[index] === slot || !this.hosts[index]) {
        const batch = decodeBatchWithBlobs<FromHost>(raw);
        this.fromHost(slot, batch.items, batch.blobs);
      }
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
    for (const i of this.pending.idsOf(slot.index)) {
      const done = this.pending.take(i);
      if (!done) continue;
      done(new HaatError('unavailable', `host ${slot.index} died; retry`), undefined);
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

  /** `blobs`: the texts beside the batch, which its saves name (EngineLink.saveMany). */
  private fromHost(slot: HostSlot, items: FromHost[], blobs: readonly string[]): void {
    markAlive();
    for (const item of items) {
      switch (item.k) {
        case 'r': {
          const done = this.pending.take(item.i);
          if (!done) break; // timed out already
          if (item.e) done(HaatError.fromBody(item.e), undefined);
          else done(undefined, item.v);
          break;
        }
        case 'd':
          slot.inflight -= item.n;
          if (item.x !== undefined) this.emit('asksExpired', item.x);
          break;
        case 'n':
          slot.actors = item.n;
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
        case 'h':
          this.onHandoff(item);
          break;
        case 'x': {
          const reply = (body: ToHost): void => {
            if (this.hosts[slot.index] === slot) slot.out.push(body);
          };
          const i = item.i;
          let served: Promise<unknown>;
          try {
            if (this.engines.spec.kind !== 'memory') throw new Error(`the ${this.engines.spec.kind} engine is not served over the port`);
            served = serveEngineOp(this.engines, item.op, blobs);
          } catch (err) {
            served = Promise.reject(err);
          }
          served.then(
            (v) => reply({ k: 'xr', i, v }),
            (e: unknown) => reply({ k: 'xr', i, e: { code: 'internal', message: e instanceof Error ? e.message : String(e) } }),
          );
          break;
        }
        case 'm': {
          const i = item.i;
          const service = this.opts.services?.[item.s];
          let served: Promise<unknown>;
          try {
            served = service ? service(item.p) : Promise.reject(new HaatError('internal', `no main-thread service ${JSON.stringify(item.s)}`));
          } catch (err) {
            served = Promise.reject(err);
          }
          served.then(
            (v) => {
              if (this.hosts[slot.index] === slot) slot.out.push({ k: 'xr', i, v });
            },
            (e: unknown) => {
              const body = e instanceof HaatError ? e.toBody() : { code: 'internal' as const, message: e instanceof Error ? e.message : String(e) };
              if (this.hosts[slot.index] === slot) slot.out.push({ k: 'xr', i, e: body });
            },
          );
          break;
        }
        case 'l':
          this.onLifecycle(item.ev);
          break;
        case 'ready':
          slot.thread = item.thread;
          slot.isReady = true;
          slot.markReady();
          break;
        case 'trim':
          this.emit('heapTrim', { thread: `host-${slot.index}`, beforeBytes: item.before, afterBytes: item.after, pauseMs: item.ms });
          break;
        case 'heap':
          this.emit('heapUse', { thread: `host-${slot.index}`, usedBytes: item.used, committedBytes: item.committed });
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
    switch (ev.kind) {
      case 'crash':
      case 'stopped':
        this.log.error(fields, ev.detail);
        break;
      case 'restart':
      case 'fenced':
        this.log.warn(fields, ev.detail);
        break;
      case 'passivated':
        this.log.debug(fields, ev.detail);
        break;
      default:
        assertNever(ev.kind);
    }
    this.emit('lifecycle', ev);
  }
}
