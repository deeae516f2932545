// The memory engine lives on the main thread (one per process): it is what
// the reminder service polls, and actor state then outlives a host thread.
// Host threads reach it through their MessagePort: a call is one item of the
// turn's batch and its answer comes back the same way. (A redis engine is
// reached from each host thread directly; see host-engines.ts.)
import type { ActorStateEngine, SaveRequest } from '../engines/actor-state.ts';
import type { Reminder, ReminderEngine } from '../engines/reminders.ts';
import type { Batcher } from './batcher.ts';
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

/** Host side: sends calls to the main thread and settles them with its answers. */
export class EngineLink {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(private readonly out: Batcher<FromHost>) {}

  call(op: EngineOp): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const i = this.nextId++;
      this.waiting.set(i, { resolve, reject });
      this.out.push({ k: 'x', i, op });
    });
  }

  settle(i: number, v: unknown, e: WireError | undefined): void {
    const w = this.waiting.get(i);
    if (!w) return;
    this.waiting.delete(i);
    if (e) w.reject(new EngineCallError(e.message));
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
