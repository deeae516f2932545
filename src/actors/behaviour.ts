// A behaviour is what an actor kind does, in the manner of an OTP behaviour:
// a few callbacks whose results the runtime checks. Behaviours run inside
// host threads and must keep their state JSON-serialisable (it is persisted
// through the state store and may later move between nodes).
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
  /** State saved by the last `persist` of this actor, if any. */
  loadPersisted(): Promise<unknown>;
  send(to: Address, msg: OutgoingMessage): void;
  ask<R = unknown>(to: Address, msg: OutgoingMessage, timeoutMs?: number): Promise<R>;
  /** Hands a value to the main thread's emit listeners (e.g. the gateway). */
  emit(value: unknown): void;
}

export interface HandlerResult<S, R = unknown> {
  state: S;
  /** Answer to an `ask`; ignored for a `send`. */
  reply?: R;
  /** Answer to an `ask` with a catalogue error instead (state still applies). */
  error?: { code: ErrorCode; message: string; retry_after_ms?: number };
  /** Save `state` through the state store before the next message. */
  persist?: boolean;
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
  /** Last words before passivation (e.g. flush state). */
  passivate?(state: S, ctx: ActorContext): void | Promise<void>;
}

/** A module listed in the system's `behaviourModules` exports this. */
export interface BehaviourModule {
  behaviours?: readonly Behaviour<any, any, any>[];
  /** Alternative to `behaviours` for kinds that need the node's config. */
  createBehaviours?: (config: unknown) => readonly Behaviour<any, any, any>[];
}

export function defineBehaviour<S, M extends ActorMessage, R = unknown>(b: Behaviour<S, M, R>): Behaviour<S, M, R> {
  return b;
}
