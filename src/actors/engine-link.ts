// The memory engine lives on the main thread (one per process): it is what
// the reminder service polls, and actor state then outlives a host thread.
// Host threads reach it through their MessagePort: a call is one item of the
// turn's batch and its answer comes back the same way. (A redis engine is
// reached from each host thread directly; see host-engines.ts.)
import type { ActorStateEngine, SaveRequest } from '../engines/actor-state.ts';
import type { Reminder, ReminderEngine } from '../engines/reminders.ts';
import type { Batcher } from './batcher.ts';
import { HaatError } from '../errors.ts';
import { assertNever, type FromHost, type WireError } from './wire.ts';

export type EngineOp =
  | { o: 'load'; a: string }
  | { o: 'saveMany'; reqs: readonly SaveRequest[] }
  | { o: 'drop'; a: string }
  | { o: 'setReminder'; r: Reminder }
  | { o: 'cancelReminder'; a: string; n: string };

export class EngineCallError extends Error {
  override name = 'EngineCallError';
}

/**
 * A service the main thread offers host threads besides the engine (e.g. the
 * node's store, which lives on the main thread whatever the engine is).
 * Its errors keep their catalogue code (a `not_found` stays one).
 */
export type MainService = (payload: unknown) => Promise<unknown>;

/** Host side: sends calls to the main thread and settles them with its answers. */
export class EngineLink {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; service: boolean }>();

  constructor(private readonly out: Batcher<FromHost>) {}

  call(op: EngineOp): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const i = this.nextId++;
      this.waiting.set(i, { resolve, reject, service: false });
      this.out.push({ k: 'x', i, op });
    });
  }

  /** Calls the main thread's service `name` (see ActorSystemOptions.services). */
  callService(name: string, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const i = this.nextId++;
      this.waiting.set(i, { resolve, reject, service: true });
      this.out.push({ k: 'm', i, s: name, p: payload });
    });
  }

  settle(i: number, v: unknown, e: WireError | undefined): void {
    const w = this.waiting.get(i);
    if (!w) return;
    this.waiting.delete(i);
    if (e) w.reject(w.service ? HaatError.fromBody(e) : new EngineCallError(e.message));
    else w.resolve(v);
  }
}

/** Main side: runs a host's call against the process's engines. */
export function serveEngineOp(engines: { state: ActorStateEngine; reminders: ReminderEngine }, op: EngineOp): Promise<unknown> {
  switch (op.o) {
    case 'load':
      return engines.state.load(op.a);
    case 'saveMany':
      return engines.state.saveMany(op.reqs);
    case 'drop':
      return engines.state.drop(op.a);
    case 'setReminder':
      return engines.reminders.set(op.r);
    case 'cancelReminder':
      return engines.reminders.cancel(op.a, op.n);
    default:
      return assertNever(op);
  }
}
