// An ActorContext for driving one behaviour in-process with a hand-set clock:
// what a handler sends, emits and schedules is recorded, reminders are a map
// the test fires by hand, and the persisted state (and its parts) is whatever
// was last saved.
import type { ActorContext, Behaviour, OutgoingMessage } from '../actors/behaviour.ts';

export interface FakeActor<S, M extends { type: string }> {
  ctx: ActorContext;
  /** Sets the clock (ms since the epoch). */
  at(ms: number): void;
  sent: { to: string; msg: OutgoingMessage }[];
  /** ctx.afterCommit effects, in order; each was run as it was made (saves never fail here), `error` set if it rejected. */
  afterCommits: { to: string; what: string; error?: unknown }[];
  emitted: unknown[];
  reminders: Map<string, number>;
  /** The part names each save wrote or dropped, in save order (empty for a save of the state alone). */
  saves: string[][];
  /** The names of the parts saved now. */
  partNames(): string[];
  /** Handles one message the way the runtime does (state carried over); answers the reply. */
  handle(msg: M): Promise<unknown>;
  /** Passivates and activates again from the last persisted state (what a restart does). */
  restart(): Promise<void>;
  state(): S;
  /** The state as last saved (the JSON the engine keeps), undefined before the first save. */
  persisted(): string | undefined;
}

/** `saved` and `savedParts`: a state (and its parts) as if an earlier version of the actor had saved them. */
export async function fakeActor<S, M extends { type: string }>(behaviour: Behaviour<S, M>, address: string, start: number, saved?: unknown, savedParts: Readonly<Record<string, unknown>> = {}): Promise<FakeActor<S, M>> {
  let now = start;
  let persisted: string | undefined = saved === undefined ? undefined : JSON.stringify(saved);
  const saves: string[][] = [];
  /** Parts saved beside the state (HandlerResult.parts), as JSON by name, the way the engines keep them. */
  const parts = new Map<string, string>(Object.entries(savedParts).map(([k, v]) => [k, JSON.stringify(v)]));
  const loadParts = (): Record<string, unknown> => Object.fromEntries([...parts].map(([k, v]) => [k, JSON.parse(v) as unknown]));
  const sent: { to: string; msg: OutgoingMessage }[] = [];
  const afterCommits: { to: string; what: string; error?: unknown }[] = [];
  const emitted: unknown[] = [];
  const reminders = new Map<string, number>();
  const i = address.indexOf(':');
  const ctx: ActorContext = {
    address,
    kind: address.slice(0, i),
    id: address.slice(i + 1),
    config: {},
    now: () => now,
    loadPersisted: async () => (persisted === undefined ? undefined : JSON.parse(persisted)),
    loadPersistedWithParts: async () => ({ state: persisted === undefined ? undefined : JSON.parse(persisted), parts: loadParts() }),
    send: (to, msg) => void sent.push({ to, msg }),
    ask: () => Promise.reject(new Error('ask is not faked')),
    emit: (v) => void emitted.push(v),
    afterCommit: (to, what, run) => {
      const entry: { to: string; what: string; error?: unknown } = { to, what };
      afterCommits.push(entry);
      run().then(undefined, (err: unknown) => (entry.error = err));
    },
    setReminder: (name, dueAt) => void reminders.set(name, dueAt),
    cancelReminder: (name) => void reminders.delete(name),
    setTimer: () => undefined,
  };
  let state: S = await behaviour.init(ctx);
  return {
    ctx,
    at: (ms) => void (now = ms),
    sent,
    afterCommits,
    emitted,
    reminders,
    saves,
    async handle(msg) {
      const r = await behaviour.handle(state, msg, ctx);
      state = r.state;
      if (r.persist === true || r.parts !== undefined) {
        persisted = JSON.stringify(behaviour.core ? behaviour.core(state) : state);
        saves.push(Object.keys(r.parts ?? {}));
      }
      for (const [name, v] of Object.entries(r.parts ?? {})) {
        if (v === null) parts.delete(name);
        else parts.set(name, JSON.stringify(v));
      }
      if (r.error !== undefined) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.reply;
    },
    async restart() {
      state = (await behaviour.init(ctx)) as S;
    },
    state: () => state,
    persisted: () => persisted,
    partNames: () => [...parts.keys()],
  };
}
