// The memory engine lives on the main thread (one per process): it is what
// the reminder service polls, and actor state then outlives a host thread.
// Host threads reach it through their MessagePort: a call is one item of the
// turn's batch and its answer comes back the same way. (A redis engine is
// reached from each host thread directly; see host-engines.ts.)
import { encodedState, type ActorStateEngine, type SaveOutcome, type SaveRequest } from '../engines/actor-state.ts';
import type { Reminder, ReminderEngine } from '../engines/reminders.ts';
import type { Batcher } from './batcher.ts';
import { HaatError } from '../errors.ts';
import { assertNever, type FromHost, type WireError } from './wire.ts';

export type EngineOp =
  | { o: 'load'; a: string }
  | { o: 'saveBlobs'; reqs: readonly SaveOnWire[] }
  | { o: 'drop'; a: string }
  | { o: 'setReminder'; r: Reminder }
  | { o: 'cancelReminder'; a: string; n: string };

/**
 * A save as it crosses the port: its state text and part texts go beside the
 * batch (Batcher.blob) and are named here by index. Escaped into the batch
 * and parsed out again on the main thread, they cost about 5% of an outbid
 * bid's CPU (`npm run bench:bid-actors -- --modes=outbid`), and one saved
 * notification in Bengali made the whole batch a two-byte string.
 */
export interface SaveOnWire {
  a: string;
  /** Blob index of the state text. */
  s: number;
  e: number;
  v: number;
  /** Blob index of each changed part's text; null drops the part. */
  p?: Record<string, number | null>;
}

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

  /** Saves through the main thread's engine, the texts beside the batch (see SaveOnWire). */
  saveMany(reqs: readonly SaveRequest[]): Promise<SaveOutcome[]> {
    const wire = reqs.map((r): SaveOnWire => {
      const w: SaveOnWire = { a: r.address, s: this.out.blob(encodedState(r)), e: r.ringEpoch, v: r.expectVersion };
      if (r.parts !== undefined) {
        const p: Record<string, number | null> = {};
        for (const [name, text] of Object.entries(r.parts)) p[name] = text === null ? null : this.out.blob(text);
        w.p = p;
      }
      return w;
    });
    // Pushed right after its blobs: the item and the texts it names go in the same batch.
    return this.call({ o: 'saveBlobs', reqs: wire }) as Promise<SaveOutcome[]>;
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

/** A save back from its wire form; `blobs` are the texts beside its batch. */
export function saveFromWire(w: SaveOnWire, blobs: readonly string[]): SaveRequest {
  const text = (i: number): string => {
    const t = blobs[i];
    if (t === undefined) throw new RangeError(`save of ${w.a} names blob ${i}, and its batch carries ${blobs.length}`);
    return t;
  };
  const req: SaveRequest = { address: w.a, state: undefined, encoded: text(w.s), ringEpoch: w.e, expectVersion: w.v };
  if (w.p !== undefined) {
    const parts: Record<string, string | null> = {};
    for (const [name, i] of Object.entries(w.p)) parts[name] = i === null ? null : text(i);
    req.parts = parts;
  }
  return req;
}

/** Main side: runs a host's call against the process's engines; `blobs` are the texts beside the call's batch. */
export function serveEngineOp(engines: { state: ActorStateEngine; reminders: ReminderEngine }, op: EngineOp, blobs: readonly string[] = []): Promise<unknown> {
  switch (op.o) {
    case 'load':
      return engines.state.load(op.a);
    case 'saveBlobs': {
      let reqs: SaveRequest[];
      try {
        reqs = op.reqs.map((w) => saveFromWire(w, blobs));
      } catch (err) {
        return Promise.reject(err);
      }
      return engines.state.saveMany(reqs);
    }
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
