// Behaviours the actor runtime tests run in real host threads. They are
// ordinary behaviours; the thread-global maps stand in for "something outside
// the actor" (a latch, an activation count) that a test needs to observe.
import { resourceLimits, threadId } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { defineBehaviour, type Behaviour } from '../actors/behaviour.ts';
import { HaatError } from '../errors.ts';

const latches = new Map<string, { promise: Promise<void>; open: () => void }>();
function latch(name: string): { promise: Promise<void>; open: () => void } {
  let l = latches.get(name);
  if (!l) {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    l = { promise, open };
    latches.set(name, l);
  }
  return l;
}
const activations = new Map<string, number>();

type LogMsg =
  | { type: 'add'; from: string; seq: number }
  | { type: 'get' }
  | { type: 'whoami' }
  | { type: 'spin'; ms: number }
  | { type: 'relay'; to: string; from: string; count: number }
  | { type: 'hold'; latch: string }
  | { type: 'open'; latch: string }
  /** Steps this thread's wall clock (Date.now) by `ms`, as NTP or an operator may step a machine's. */
  | { type: 'stepClock'; ms: number }
  | { type: 'exit' };

const recorder = defineBehaviour<{ log: [string, number][] }, LogMsg>({
  kind: 'recorder',
  messageTypes: ['add', 'get', 'whoami', 'spin', 'relay', 'hold', 'open', 'stepClock', 'exit'],
  init: () => ({ log: [] }),
  async handle(state, msg, ctx) {
    switch (msg.type) {
      case 'add':
        state.log.push([msg.from, msg.seq]);
        return { state };
      case 'get':
        return { state, reply: state.log };
      case 'whoami':
        return { state, reply: { threadId, youngGenerationMb: resourceLimits.maxYoungGenerationSizeMb ?? null, heapLimitBytes: getHeapStatistics().heap_size_limit } };
      case 'spin': {
        const start = Date.now();
        while (Date.now() - start < msg.ms) {
          /* burn CPU on purpose: the test looks at overlap across threads */
        }
        return { state, reply: { threadId, start, end: Date.now() } };
      }
      case 'relay':
        for (let i = 0; i < msg.count; i++) ctx.send(msg.to, { type: 'add', from: msg.from, seq: i });
        return { state, reply: msg.count };
      case 'hold':
        await latch(msg.latch).promise;
        return { state, reply: 'released' };
      case 'open':
        latch(msg.latch).open();
        return { state, reply: 'opened' };
      case 'stepClock': {
        const wall = Date.now;
        Date.now = () => wall() + msg.ms;
        return { state, reply: 'stepped' };
      }
      case 'exit':
        process.exit(1);
    }
  },
});

type CrashyMsg = { type: 'inc' } | { type: 'get' } | { type: 'boom' } | { type: 'bad' } | { type: 'badReply' } | { type: 'incNoPersist' } | { type: 'askThenBoom'; to: string };

const crashy = defineBehaviour<{ n: number }, CrashyMsg>({
  kind: 'crashy',
  messageTypes: ['inc', 'get', 'boom', 'bad', 'badReply', 'incNoPersist', 'askThenBoom'],
  async init(ctx) {
    const saved = (await ctx.loadPersisted()) as { n: number } | undefined;
    return saved ?? { n: 0 };
  },
  handle(state, msg, ctx) {
    switch (msg.type) {
      case 'inc':
        return { state: { n: state.n + 1 }, reply: state.n + 1, persist: true };
      case 'incNoPersist':
        return { state: { n: state.n + 1 }, reply: state.n + 1 };
      case 'get':
        return { state, reply: state.n };
      case 'boom':
        throw new Error('boom on purpose');
      case 'askThenBoom':
        // An ask nobody waits for, held with the effects, then a crash drops it.
        void ctx.ask(msg.to, { type: 'get' });
        throw new Error('boom after asking');
      case 'bad':
        return { nope: true } as never;
      case 'badReply':
        return { state: { n: state.n + 100 }, reply: { big: 10n } };
    }
  },
});

type IdleMsg = { type: 'touch' } | { type: 'get' };

const sleepy = defineBehaviour<{ touches: number; activation: number }, IdleMsg>({
  kind: 'sleepy',
  messageTypes: ['touch', 'get'],
  idleMs: 50,
  async init(ctx) {
    const n = (activations.get(ctx.address) ?? 0) + 1;
    activations.set(ctx.address, n);
    const saved = (await ctx.loadPersisted()) as { touches: number } | undefined;
    return { touches: saved?.touches ?? 0, activation: n };
  },
  handle(state, msg) {
    switch (msg.type) {
      case 'touch':
        return { state: { ...state, touches: state.touches + 1 }, reply: state.touches + 1, persist: true };
      case 'get':
        return { state, reply: state };
    }
  },
});

// A durable counter. Its effects (an emit and, with `notify`, a send to a
// recorder) show whether they left before or after the save committed.
/** `after`: an afterCommit effect that sends a note to that address (`afterFails`: one that rejects instead). */
type LedgerMsg = { type: 'add'; by: number; notify?: string; after?: string; afterFails?: boolean } | { type: 'addFrom'; from: string } | { type: 'peek'; notify?: string } | { type: 'get' };

const ledger = defineBehaviour<{ n: number }, LedgerMsg>({
  kind: 'ledger',
  messageTypes: ['add', 'addFrom', 'peek', 'get'],
  async init(ctx) {
    const saved = (await ctx.loadPersisted()) as { n: number } | undefined;
    return saved ?? { n: 0 };
  },
  async handle(state, msg, ctx) {
    switch (msg.type) {
      case 'addFrom': {
        // Waits for an answer while handling a persisting message: the ask must leave at once.
        const n = state.n + (await ctx.ask<number>(msg.from, { type: 'get' }));
        return { state: { n }, reply: n, persist: true };
      }
      case 'add': {
        const n = state.n + msg.by;
        ctx.emit({ k: 'ledger', a: ctx.address, n });
        if (msg.notify) ctx.send(msg.notify, { type: 'add', from: ctx.address, seq: n });
        const after = msg.after;
        if (after !== undefined) {
          ctx.afterCommit(after, 'note', async () => {
            if (msg.afterFails) throw new HaatError('unavailable', `no note for ${after}`);
            ctx.send(after, { type: 'add', from: `after:${ctx.address}`, seq: n });
          });
        }
        return { state: { n }, reply: n, persist: true };
      }
      case 'peek':
        ctx.emit({ k: 'ledger', a: ctx.address, n: state.n });
        if (msg.notify) ctx.send(msg.notify, { type: 'add', from: ctx.address, seq: state.n });
        return { state, reply: state.n };
      case 'get':
        return { state, reply: state.n };
    }
  },
});

// Sets persisted reminders and reports each one it receives as an emit.
// `keep` leaves a delivered reminder set (to see it delivered again).
type AlarmMsg =
  | { type: 'arm'; name: string; inMs: number; keep?: boolean }
  | { type: 'disarm'; name: string }
  | { type: 'reminder'; name: string; due_at: number }
  | { type: 'tick'; name: string; inMs: number }
  | { type: 'timer'; name: string }
  | { type: 'boom' };

const alarm = defineBehaviour<{ keep: string[]; activation: number }, AlarmMsg>({
  kind: 'alarm',
  messageTypes: ['arm', 'disarm', 'reminder', 'tick', 'timer', 'boom'],
  idleMs: 50,
  async init(ctx) {
    const n = (activations.get(ctx.address) ?? 0) + 1;
    activations.set(ctx.address, n);
    const saved = (await ctx.loadPersisted()) as { keep: string[] } | undefined;
    return { keep: saved?.keep ?? [], activation: n };
  },
  handle(state, msg, ctx) {
    switch (msg.type) {
      case 'arm': {
        ctx.setReminder(msg.name, ctx.now() + msg.inMs);
        const keep = msg.keep ? [...state.keep, msg.name] : state.keep;
        return { state: { ...state, keep }, reply: 'armed', persist: true };
      }
      case 'disarm':
        ctx.cancelReminder(msg.name);
        return { state, reply: 'disarmed' };
      case 'reminder':
        ctx.emit({ k: 'reminder', a: ctx.address, name: msg.name, due_at: msg.due_at, activation: state.activation });
        if (!state.keep.includes(msg.name)) ctx.cancelReminder(msg.name);
        return { state };
      case 'tick':
        ctx.setTimer(msg.name, msg.inMs);
        return { state, reply: 'ticking' };
      case 'timer':
        ctx.emit({ k: 'timer', a: ctx.address, name: msg.name, activation: state.activation });
        return { state };
      case 'boom':
        throw new Error('boom on purpose');
    }
  },
});

// Keeps a list in parts of two items each (HandlerResult.parts); the state
// itself saves only its length. `boom` crashes it: the supervisor restarts it
// from what was saved.
type JournalMsg = { type: 'append'; item: string } | { type: 'shift' } | { type: 'list' } | { type: 'boom' };
const JOURNAL_PAGE = 2;
const journal = defineBehaviour<{ first: number; items: string[] }, JournalMsg>({
  kind: 'journal',
  messageTypes: ['append', 'shift', 'list', 'boom'],
  async init(ctx) {
    const { state, parts } = await ctx.loadPersistedWithParts();
    const saved = state as { first: number; count: number } | undefined;
    if (!saved) return { first: 0, items: [] };
    const items: string[] = [];
    for (let p = Math.floor(saved.first / JOURNAL_PAGE); p * JOURNAL_PAGE < saved.first + saved.count; p++) {
      const page = parts[`p${p}`] as (string | null)[];
      for (let i = 0; i < JOURNAL_PAGE; i++) if (p * JOURNAL_PAGE + i >= saved.first && p * JOURNAL_PAGE + i < saved.first + saved.count) items.push(page[i]!);
    }
    return { first: saved.first, items };
  },
  core: (s) => ({ first: s.first, count: s.items.length }),
  handle(state, msg) {
    const pageOf = (i: number): string => `p${Math.floor(i / JOURNAL_PAGE)}`;
    const page = (s: { first: number; items: string[] }, i: number): (string | null)[] | null => {
      const p = Math.floor(i / JOURNAL_PAGE);
      const out: (string | null)[] = [];
      for (let k = p * JOURNAL_PAGE; k < (p + 1) * JOURNAL_PAGE; k++) out.push(k >= s.first && k < s.first + s.items.length ? s.items[k - s.first]! : null);
      return out.every((v) => v === null) ? null : out;
    };
    switch (msg.type) {
      case 'append': {
        const next = { first: state.first, items: [...state.items, msg.item] };
        const i = next.first + next.items.length - 1;
        return { state: next, reply: next.items.length, parts: { [pageOf(i)]: page(next, i) } };
      }
      case 'shift': {
        const next = { first: state.first + 1, items: state.items.slice(1) };
        return { state: next, reply: next.items.length, parts: { [pageOf(state.first)]: page(next, state.first) } };
      }
      case 'list':
        return { state, reply: state.items };
      case 'boom':
        throw new Error('boom');
    }
  },
});

export const behaviours: Behaviour<any, any, any>[] = [recorder, crashy, sleepy, ledger, alarm, journal];
