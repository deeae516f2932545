// A behaviour is what an actor kind does, in the manner of an OTP behaviour:
// a few callbacks whose results the runtime checks. Behaviours run inside
// host threads and must keep their state JSON-serialisable (it is persisted
// through the actor state engine and may later move between nodes).
import type { Address } from './address.ts';
import type { ErrorCode } from '../errors.ts';

/** Every actor message is a member of a discriminated union on `type`. */
export interface ActorMessage {
  readonly type: string;
}

/** What senders pass: any message object (the receiving behaviour checks the `type`). */
export type OutgoingMessage = ActorMessage & { readonly [field: string]: unknown };

export interface ActorContext {
  readonly address: Address;
  readonly kind: string;
  readonly id: string;
  /** The JSON settings the actor system was started with (the node's config). */
  readonly config: unknown;
  now(): number;
  /**
   * State saved by the last `persist` of this actor, if any. It also fixes the
   * version the actor's next save expects (fencing): an actor that persists
   * loads in `init`, or its first save expects a never-saved actor.
   */
  loadPersisted(): Promise<unknown>;
  /**
   * The same, with the parts saved beside the state (`HandlerResult.parts`),
   * for an actor that keeps some of its state in parts.
   */
  loadPersistedWithParts(): Promise<{ state: unknown; parts: Readonly<Record<string, unknown>> }>;
  /**
   * Effects: made while a message is handled, sends, emits, reminder changes
   * and the reply leave only after that message's save commits (at once when
   * it does not persist), and not at all if the handler fails or the save is refused.
   */
  send(to: Address, msg: OutgoingMessage): void;
  /**
   * Held like the other effects, except that it leaves at once when the
   * handler waits for its answer (it could not get one otherwise).
   */
  ask<R = unknown>(to: Address, msg: OutgoingMessage, timeoutMs?: number): Promise<R>;
  /** Hands a value to the main thread's emit listeners (e.g. the gateway). */
  emit(value: unknown): void;
  /**
   * An effect that is not a message (a publish appended to the engine's
   * history directly, without the channel's actor): `run` is called with the
   * other effects, once this message's save commits (at once outside a
   * handler), and never if the handler fails or the save is refused. A
   * rejection is reported as an undeliverable `what` to `to`.
   */
  afterCommit(to: Address, what: string, run: () => Promise<unknown>): void;
  /**
   * Sets (or moves) the persisted reminder `name`: at `dueAt` (ms since the
   * epoch) the actor receives a `ReminderMessage`, even after passivation or a
   * restart, and again every retry interval until it cancels or re-sets it.
   * The behaviour must list 'reminder' in its messageTypes.
   */
  setReminder(name: string, dueAt: number): void;
  cancelReminder(name: string): void;
  /**
   * A timer that is not persisted (DESIGN.md §1: in-memory timers are for
   * non-durable work, such as conflating stock events): after `delayMs` the
   * actor receives a `TimerMessage`, unless it was passivated, restarted or
   * stopped first. A timer of the same name already pending is kept (the
   * earlier one wins). It starts at once, even while a message is handled.
   * The behaviour must list 'timer' in its messageTypes.
   */
  setTimer(name: string, delayMs: number): void;
}

/** What a due timer delivers (as a send). */
export type TimerMessage = {
  readonly type: 'timer';
  readonly name: string;
};

/** What a due reminder delivers (as a send). */
export type ReminderMessage = {
  readonly type: 'reminder';
  readonly name: string;
  readonly due_at: number;
};

export interface HandlerResult<S, R = unknown> {
  state: S;
  /** Answer to an `ask`; ignored for a `send`. */
  reply?: R;
  /** Answer to an `ask` with a catalogue error instead (state still applies). */
  error?: { code: ErrorCode; message: string; retry_after_ms?: number };
  /**
   * Save `state` (fenced by ring epoch and version) before the next message;
   * the message's effects wait for the commit. A refused save stops the actor
   * and hands this message and the rest of its mailbox to the current owner.
   */
  persist?: boolean;
  /**
   * Parts of the state saved beside it, by name (null drops one); implies
   * `persist`. Name only the parts this message changed: an actor with a long
   * list (a user's notifications) keeps it in pages and writes the page that
   * changed instead of encoding the whole list on every save. The behaviour's
   * `core` tells what is saved as the state itself.
   */
  parts?: Record<string, unknown>;
}

export interface Behaviour<S = unknown, M extends ActorMessage = ActorMessage, R = unknown> {
  readonly kind: string;
  /** The `type`s this behaviour handles; anything else is refused as bad_request. */
  readonly messageTypes: readonly M['type'][];
  /** Called on activation and after each supervised restart. */
  init(ctx: ActorContext): S | Promise<S>;
  handle(state: S, msg: M, ctx: ActorContext): HandlerResult<S, R> | Promise<HandlerResult<S, R>>;
  /** Passivate after this long without a message; never when absent. */
  readonly idleMs?: number;
  /** Whether an idle actor may passivate now (default yes): one whose state lives only in memory and is still needed says no. */
  mayPassivate?(state: S): boolean;
  /** What a save writes as the state itself, when some of it is kept in parts (default: the whole state). */
  core?(state: S): unknown;
  /** Last words before passivation (e.g. flush state). */
  passivate?(state: S, ctx: ActorContext): void | Promise<void>;
}

/** What a host thread offers the behaviours it builds. */
export interface HostServices {
  /** Calls a service the main thread registered (ActorSystemOptions.services); errors keep their catalogue code. */
  callMain(service: string, payload: unknown): Promise<unknown>;
}

/** A module listed in the system's `behaviourModules` exports this. */
export interface BehaviourModule {
  behaviours?: readonly Behaviour<any, any, any>[];
  /** Alternative to `behaviours` for kinds that need the node's config or the main thread's services. */
  createBehaviours?: (config: unknown, services: HostServices) => readonly Behaviour<any, any, any>[];
}

export function defineBehaviour<S, M extends ActorMessage, R = unknown>(b: Behaviour<S, M, R>): Behaviour<S, M, R> {
  return b;
}

/** Handlers, inits and engines may answer now or later; this tells which without awaiting (no promise on the sync path). */
export function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
