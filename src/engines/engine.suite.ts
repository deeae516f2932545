// The one suite every engine runs (like the Socket.IO adapters' shared test
// runner): redis.engine.test.ts runs it against a spawned redis-server and a
// spawned Redis Cluster, memory.engine.test.ts against the memory engine.
// `makeEngine` is called per group (and per test where tests share a key
// group, such as membership): each call must give an engine that sees nothing
// of the others' data (a fresh key prefix, a fresh process-local engine).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HaatError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { dedupeAnswerText, type AppendRequest, type HistoryBounds, type NextAppendOutcome, type NextAppendRequest } from './channel-history.ts';
import type { BusEvent } from './channel-bus.ts';

export type VerbName = 'history' | 'state' | 'membership' | 'mailboxes' | 'counters' | 'reminders' | 'logs' | 'bus' | 'rosters';

/** An engine, possibly without some verbs yet (their groups are then skipped with the given reason). */
export type EngineUnderTest = Pick<Engine, 'name' | 'ping' | 'close'> & { [K in VerbName]?: Engine[K] };

export interface SuiteOptions {
  /** Verb groups to skip, with why. */
  skip?: Partial<Record<VerbName, string>>;
}

const GROUP_TIMEOUT_MS = 20_000;
const WAIT_MS = 3_000;

let seq = 0;
/** A name no other test of this process uses. */
function unique(what: string): string {
  return `${what}-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
}

function need<K extends VerbName>(e: EngineUnderTest, verb: K): NonNullable<Engine[K]> {
  const v = e[verb];
  if (v === undefined) throw new Error(`engine ${e.name} has no ${verb}`);
  return v as NonNullable<Engine[K]>;
}

/** Rejects when `p` does not settle within ms (every wait in the suite is bounded). */
async function within<T>(ms: number, p: Promise<T> | T, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(p),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `probe` until it answers something other than undefined, at most `ms` (probes are round trips, not sleeps). */
async function until<T>(ms: number, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const bounds: HistoryBounds = { maxLen: 100, ttlMs: 60_000 };

function event(epoch: string, offset: number, extra: Partial<AppendRequest> = {}): AppendRequest {
  const at = Date.now();
  return { epoch, offset, frame: `{"type":"event","offset":${offset}}`, at, expiresAt: at + 60_000, ...extra };
}

/** An event for appendNext whose stored frame shows the epoch and offset the engine gave it, and `n`. */
function nextEvent(n: number, extra: Partial<NextAppendRequest> = {}): NextAppendRequest {
  const at = Date.now();
  return { frame: ['{"e":"', '","o":', `,"n":${n}}`], id: `ev_${n}`, at, expiresAt: at + 60_000, ...extra };
}

function offsetOf(out: NextAppendOutcome): number {
  if (out.kind !== 'appended') throw new Error(`expected appended, got ${JSON.stringify(out)}`);
  return out.offset;
}

/** Registers the whole suite under `label`. */
export function runEngineSuite(label: string, makeEngine: () => Promise<EngineUnderTest>, opts: SuiteOptions = {}): void {
  const skip = opts.skip ?? {};

  /** A group of tests sharing one engine made in `before`. */
  function group(verb: VerbName, body: (engine: () => EngineUnderTest) => void): void {
    const reason = skip[verb];
    describe(`${label}: ${verb}`, { timeout: GROUP_TIMEOUT_MS, ...(reason === undefined ? {} : { skip: reason }) }, () => {
      let e: EngineUnderTest | undefined;
      before(async () => {
        e = await makeEngine();
      });
      after(async () => {
        await e?.close();
      });
      body(() => {
        if (!e) throw new Error('engine not made');
        return e;
      });
    });
  }

  /** A test with an engine of its own (for verbs whose keys are shared by the whole engine). */
  async function withEngine(fn: (e: EngineUnderTest) => Promise<void>): Promise<void> {
    const e = await makeEngine();
    try {
      await fn(e);
    } finally {
      await e.close();
    }
  }

  group('history', (engine) => {
    it('top of a new channel: a non-empty epoch at offset 0, the same on the next call', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const t1 = await h.top(ch);
      assert.ok(t1.epoch.length > 0);
      assert.equal(t1.offset, 0);
      assert.deepEqual(await h.top(ch), t1);
    });

    it('appends exactly the next offsets and reads them back in order', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const { epoch } = await h.top(ch);
      const reqs = [1, 2, 3].map((o) => event(epoch, o));
      for (const r of reqs) assert.deepEqual(await h.append(ch, r, bounds), { kind: 'appended' });
      assert.deepEqual(await h.top(ch), { epoch, offset: 3 });
      const since = await h.readSince(ch, { epoch, offset: 0 }, Date.now());
      assert.deepEqual(since.top, { epoch, offset: 3 });
      assert.deepEqual(
        since.entries,
        reqs.map((r) => ({ offset: r.offset, frame: r.frame, at: r.at, expiresAt: r.expiresAt })),
      );
      assert.deepEqual((await h.readSince(ch, { epoch, offset: 1 }, Date.now())).entries?.map((e) => e.offset), [2, 3]);
    });

    it('refuses a stale append (offset taken, skipped ahead, or another epoch) and answers the real top', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const { epoch } = await h.top(ch);
      await h.append(ch, event(epoch, 1), bounds);
      await h.append(ch, event(epoch, 2), bounds);
      const top = { epoch, offset: 2 };
      assert.deepEqual(await h.append(ch, event(epoch, 2), bounds), { kind: 'stale', top });
      assert.deepEqual(await h.append(ch, event(epoch, 1), bounds), { kind: 'stale', top });
      assert.deepEqual(await h.append(ch, event(epoch, 4), bounds), { kind: 'stale', top });
      assert.deepEqual(await h.append(ch, event(`${epoch}x`, 3), bounds), { kind: 'stale', top });
      assert.deepEqual(await h.top(ch), top, 'nothing was appended by a refused writer');
      assert.deepEqual(await h.append(ch, event(epoch, 3), bounds), { kind: 'appended' });
    });

    it('two writers numbering from the same top: the second is told stale', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const a = await h.top(ch);
      const b = await h.top(ch);
      assert.deepEqual(await h.append(ch, event(a.epoch, a.offset + 1, { frame: 'A' }), bounds), { kind: 'appended' });
      assert.deepEqual(await h.append(ch, event(b.epoch, b.offset + 1, { frame: 'B' }), bounds), { kind: 'stale', top: { epoch: a.epoch, offset: 1 } });
      const since = await h.readSince(ch, { epoch: a.epoch, offset: 0 }, Date.now());
      assert.deepEqual(
        since.entries?.map((e) => e.frame),
        ['A'],
      );
    });

    it('appendNext numbers events itself: concurrent writers get distinct consecutive offsets, each frame filled in', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const outs = await Promise.all(Array.from({ length: 20 }, (_, n) => h.appendNext(ch, nextEvent(n), bounds)));
      const top = await h.top(ch);
      assert.equal(top.offset, 20);
      assert.deepEqual(
        outs.map(offsetOf).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      for (const out of outs) assert.equal(out.kind === 'appended' && out.epoch, top.epoch);
      const since = await h.readSince(ch, { epoch: top.epoch, offset: 0 }, Date.now());
      const nAt = new Map(outs.map((out, n) => [offsetOf(out), n]));
      assert.deepEqual(
        since.entries?.map((e) => JSON.parse(e.frame)),
        since.entries?.map((e) => ({ e: top.epoch, o: e.offset, n: nAt.get(e.offset) })),
      );
      assert.deepEqual(
        since.entries?.map((e) => e.offset),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    it('appendNext on a channel never read starts its epoch; appendNext and append share the top', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const first = await h.appendNext(ch, nextEvent(1), bounds);
      assert.equal(offsetOf(first), 1);
      const top = await h.top(ch);
      assert.deepEqual(top, { epoch: first.kind === 'appended' ? first.epoch : '', offset: 1 });
      assert.deepEqual(await h.append(ch, event(top.epoch, 1), bounds), { kind: 'stale', top }, 'a writer that numbered from before the appendNext is stale');
      assert.deepEqual(await h.append(ch, event(top.epoch, 2), bounds), { kind: 'appended' });
      assert.equal(offsetOf(await h.appendNext(ch, nextEvent(3), bounds)), 3);
    });

    it('appendNext with an idempotency key: a repeat appends nothing and answers the first append', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const dedupe = { key: 'sender|m1', ttlMs: 60_000 };
      const a = await h.appendNext(ch, nextEvent(1, { dedupe }), bounds);
      const { epoch } = await h.top(ch);
      const answer = dedupeAnswerText('ev_1', offsetOf(a), epoch);
      assert.deepEqual(JSON.parse(answer), { id: 'ev_1', offset: 1, epoch });
      assert.deepEqual(await h.appendNext(ch, nextEvent(2, { dedupe }), bounds), { kind: 'duplicate', answer });
      assert.deepEqual(await h.append(ch, event(epoch, 2, { dedupe: { ...dedupe, answer: 'other' } }), bounds), { kind: 'duplicate', answer }, 'append sees the key appendNext set');
      assert.equal(await h.dedupeAnswer(ch, dedupe.key), answer);
      assert.deepEqual(await h.top(ch), { epoch, offset: 1 });
      assert.equal(offsetOf(await h.appendNext(ch, nextEvent(3, { dedupe: { key: 'sender|m2', ttlMs: 60_000 } }), bounds)), 2);
    });

    it('a duplicate idempotency key answers the stored answer and appends nothing', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const { epoch } = await h.top(ch);
      const dedupe = { key: 'k1', answer: '{"offset":1}', ttlMs: 60_000 };
      assert.deepEqual(await h.append(ch, event(epoch, 1, { dedupe }), bounds), { kind: 'appended' });
      assert.deepEqual(await h.append(ch, event(epoch, 2, { dedupe: { ...dedupe, answer: 'other' } }), bounds), { kind: 'duplicate', answer: '{"offset":1}' });
      assert.deepEqual(await h.top(ch), { epoch, offset: 1 });
      assert.equal(await h.dedupeAnswer(ch, 'k1'), '{"offset":1}');
      assert.equal(await h.dedupeAnswer(ch, 'k2'), undefined);
      assert.equal(await h.dedupeAnswer(unique('ch'), 'k1'), undefined, 'keys are per channel');
    });

    it('keeps at most maxLen entries: a since older than that is not recoverable', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const { epoch } = await h.top(ch);
      const small = { maxLen: 3, ttlMs: 60_000 };
      for (let o = 1; o <= 6; o++) assert.deepEqual(await h.append(ch, event(epoch, o), small), { kind: 'appended' });
      const now = Date.now();
      assert.deepEqual((await h.readSince(ch, { epoch, offset: 3 }, now)).entries?.map((e) => e.offset), [4, 5, 6]);
      assert.equal((await h.readSince(ch, { epoch, offset: 2 }, now)).entries, undefined);
      assert.equal((await h.readSince(ch, { epoch, offset: 0 }, now)).entries, undefined);
    });

    it('entries age out: a since that needs an expired entry is not recoverable; one at the top missed nothing', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const { epoch } = await h.top(ch);
      const t = Date.now();
      await h.append(ch, event(epoch, 1, { at: t, expiresAt: t + 1_000 }), bounds);
      await h.append(ch, event(epoch, 2, { at: t + 10, expiresAt: t + 2_000 }), bounds);
      await h.append(ch, event(epoch, 3, { at: t + 20, expiresAt: t + 3_000 }), bounds);
      assert.deepEqual((await h.readSince(ch, { epoch, offset: 0 }, t + 500)).entries?.map((e) => e.offset), [1, 2, 3]);
      assert.equal((await h.readSince(ch, { epoch, offset: 0 }, t + 1_500)).entries, undefined);
      assert.deepEqual((await h.readSince(ch, { epoch, offset: 1 }, t + 1_500)).entries?.map((e) => e.offset), [2, 3]);
      assert.equal((await h.readSince(ch, { epoch, offset: 2 }, t + 10_000)).entries, undefined);
      assert.deepEqual((await h.readSince(ch, { epoch, offset: 3 }, t + 10_000)).entries, []);
    });

    it('readSince: another epoch or an offset beyond the top is not recoverable and answers the top', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const { epoch } = await h.top(ch);
      await h.append(ch, event(epoch, 1), bounds);
      const top = { epoch, offset: 1 };
      assert.deepEqual(await h.readSince(ch, { epoch: 'gone', offset: 0 }, Date.now()), { top, entries: undefined });
      assert.deepEqual(await h.readSince(ch, { epoch, offset: 5 }, Date.now()), { top, entries: undefined });
      assert.deepEqual(await h.readSince(ch, { epoch, offset: 1 }, Date.now()), { top, entries: [] });
      const fresh = unique('ch');
      const r = await h.readSince(fresh, { epoch, offset: 1 }, Date.now());
      assert.equal(r.entries, undefined);
      assert.equal(r.top.offset, 0);
      assert.deepEqual(await h.top(fresh), r.top, 'readSince of an unknown channel starts its epoch like top');
    });

    it('drop: the next top starts a new epoch at 0 and the old epoch is not recoverable', async () => {
      const h = need(engine(), 'history');
      const ch = unique('ch');
      const { epoch } = await h.top(ch);
      await h.append(ch, event(epoch, 1), bounds);
      await h.drop(ch);
      const next = await h.top(ch);
      assert.notEqual(next.epoch, epoch);
      assert.equal(next.offset, 0);
      assert.equal((await h.readSince(ch, { epoch, offset: 0 }, Date.now())).entries, undefined);
      assert.deepEqual(await h.append(ch, event(epoch, 2), bounds), { kind: 'stale', top: next });
      assert.deepEqual(await h.append(ch, event(next.epoch, 1), bounds), { kind: 'appended' });
    });
  });

  group('state', (engine) => {
    it('load of an actor never saved is undefined', async () => {
      assert.equal(await need(engine(), 'state').load(unique('auction')), undefined);
    });

    it('save then load; a stale version or an older ring epoch is fenced', async () => {
      const s = need(engine(), 'state');
      const a = unique('sale');
      assert.deepEqual(await s.saveMany([{ address: a, state: { left: 10 }, ringEpoch: 5, expectVersion: 0 }]), [{ ok: true, version: 1 }]);
      assert.deepEqual(await s.load(a), { state: { left: 10 }, version: 1, ringEpoch: 5 });
      // A second owner that loaded version 0 under the same epoch
      assert.deepEqual(await s.saveMany([{ address: a, state: { left: 9 }, ringEpoch: 5, expectVersion: 0 }]), [{ ok: false, reason: 'fenced', stored: { version: 1, ringEpoch: 5 } }]);
      // An owner from an older ring
      assert.deepEqual(await s.saveMany([{ address: a, state: { left: 8 }, ringEpoch: 4, expectVersion: 1 }]), [{ ok: false, reason: 'fenced', stored: { version: 1, ringEpoch: 5 } }]);
      // The new ring's owner moves on
      assert.deepEqual(await s.saveMany([{ address: a, state: { left: 7 }, ringEpoch: 6, expectVersion: 1 }]), [{ ok: true, version: 2 }]);
      assert.deepEqual(await s.load(a), { state: { left: 7 }, version: 2, ringEpoch: 6 });
    });

    it('group commit: outcomes in request order, later saves of a batch see earlier ones', async () => {
      const s = need(engine(), 'state');
      const [a, b, c] = [unique('room'), unique('room'), unique('room')];
      await s.saveMany([{ address: b, state: 'b0', ringEpoch: 1, expectVersion: 0 }]);
      const out = await s.saveMany([
        { address: a, state: 'a1', ringEpoch: 1, expectVersion: 0 },
        { address: b, state: 'b?', ringEpoch: 1, expectVersion: 0 },
        { address: c, state: 'c1', ringEpoch: 1, expectVersion: 0 },
        { address: a, state: 'a2', ringEpoch: 1, expectVersion: 1 },
      ]);
      assert.deepEqual(out, [
        { ok: true, version: 1 },
        { ok: false, reason: 'fenced', stored: { version: 1, ringEpoch: 1 } },
        { ok: true, version: 1 },
        { ok: true, version: 2 },
      ]);
      assert.equal((await s.load(a))?.state, 'a2');
      assert.equal((await s.load(b))?.state, 'b0');
      assert.deepEqual(await s.saveMany([]), []);
    });

    it('parts: a save writes or drops only the parts it names, under the same fence', async () => {
      const s = need(engine(), 'state');
      const a = unique('user');
      const enc = (v: unknown) => JSON.stringify(v);
      assert.deepEqual(await s.saveMany([{ address: a, state: { n: 2 }, ringEpoch: 1, expectVersion: 0, parts: { n0: enc([1, 2]), n1: enc(['x']) } }]), [{ ok: true, version: 1 }]);
      assert.deepEqual(await s.load(a), { state: { n: 2 }, version: 1, ringEpoch: 1, parts: { n0: [1, 2], n1: ['x'] } });
      // Only n1 changes and n0 is dropped; a part never named stays as it was.
      await s.saveMany([{ address: a, state: { n: 3 }, ringEpoch: 1, expectVersion: 1, parts: { n0: null, n2: enc({ k: 'é ব' }) } }]);
      assert.deepEqual(await s.load(a), { state: { n: 3 }, version: 2, ringEpoch: 1, parts: { n1: ['x'], n2: { k: 'é ব' } } });
      // A fenced save writes no part either.
      assert.equal((await s.saveMany([{ address: a, state: { n: 9 }, ringEpoch: 1, expectVersion: 1, parts: { n1: enc('stale'), n2: null } }]))[0]!.ok, false);
      assert.deepEqual((await s.load(a))?.parts, { n1: ['x'], n2: { k: 'é ব' } });
      // A save without parts keeps them.
      await s.saveMany([{ address: a, state: { n: 4 }, ringEpoch: 1, expectVersion: 2 }]);
      assert.deepEqual((await s.load(a))?.parts, { n1: ['x'], n2: { k: 'é ব' } });
      // Dropping the last parts leaves a state without any.
      await s.saveMany([{ address: a, state: { n: 5 }, ringEpoch: 1, expectVersion: 3, parts: { n1: null, n2: null } }]);
      assert.deepEqual(await s.load(a), { state: { n: 5 }, version: 4, ringEpoch: 1 });
      // drop forgets parts with the state.
      await s.saveMany([{ address: a, state: { n: 6 }, ringEpoch: 1, expectVersion: 4, parts: { n7: enc(7) } }]);
      await s.drop(a);
      assert.equal(await s.load(a), undefined);
    });

    it('parts: a bad part name refuses the whole batch before anything is written', async () => {
      const s = need(engine(), 'state');
      const [a, b] = [unique('user'), unique('user')];
      await assert.rejects(s.saveMany([{ address: a, state: 1, ringEpoch: 1, expectVersion: 0 }, { address: b, state: 1, ringEpoch: 1, expectVersion: 0, parts: { 'no spaces': '1' } }]), /part's name/);
      assert.equal(await s.load(a), undefined);
    });

    it('drop forgets the state', async () => {
      const s = need(engine(), 'state');
      const a = unique('user');
      await s.saveMany([{ address: a, state: [1], ringEpoch: 1, expectVersion: 0 }]);
      await s.drop(a);
      assert.equal(await s.load(a), undefined);
    });
  });

  describe(`${label}: membership`, { timeout: GROUP_TIMEOUT_MS, ...(skip.membership === undefined ? {} : { skip: skip.membership }) }, () => {
    const info = (id: string) => ({ id, endpoint: `127.0.0.1:${id.length}`, startedAt: 1, connections: 2, actors: 3 });

    it('the first heartbeat makes the node alive and moves the epoch; a repeat does not', () =>
      withEngine(async (e) => {
        const m = need(e, 'membership');
        const v1 = await m.heartbeat(info('n1'), 10_000);
        assert.deepEqual(v1.alive, ['n1']);
        assert.ok(v1.ringEpoch >= 1);
        assert.equal(v1.members.length, 1);
        assert.deepEqual({ ...v1.members[0], heartbeatAt: 0 }, { ...info('n1'), heartbeatAt: 0 });
        assert.ok(Math.abs(v1.members[0]!.heartbeatAt - v1.now) <= 5, 'heartbeatAt is the engine clock of the beat');
        assert.ok(Math.abs(v1.now - Date.now()) < 5_000, 'the engine clock is wall time');
        const v2 = await m.heartbeat(info('n1'), 10_000);
        assert.equal(v2.ringEpoch, v1.ringEpoch);
        assert.equal((await m.view(10_000)).ringEpoch, v1.ringEpoch);
      }));

    it('join and leave each move the epoch', () =>
      withEngine(async (e) => {
        const m = need(e, 'membership');
        const v1 = await m.heartbeat(info('n1'), 10_000);
        const v2 = await m.heartbeat(info('n2'), 10_000);
        assert.deepEqual(v2.alive, ['n1', 'n2']);
        assert.equal(v2.ringEpoch, v1.ringEpoch + 1);
        const v3 = await m.leave('n2', 10_000);
        assert.deepEqual(v3.alive, ['n1']);
        assert.equal(v3.ringEpoch, v2.ringEpoch + 1);
        assert.deepEqual(
          v3.members.map((x) => x.id),
          ['n1'],
        );
      }));

    it('a node that stops heartbeating is dead after deadMs: the epoch moves, it stays a member', () =>
      withEngine(async (e) => {
        const m = need(e, 'membership');
        await m.heartbeat(info('n1'), 60_000);
        const both = await m.heartbeat(info('n2'), 60_000);
        assert.deepEqual(both.alive, ['n1', 'n2']);
        // n1 keeps beating with a short deadMs until the engine's clock has left n2 behind.
        const after = await until(WAIT_MS, 'n2 declared dead', async () => {
          const v = await m.heartbeat(info('n1'), 30);
          return v.alive.includes('n2') ? undefined : v;
        });
        assert.deepEqual(after.alive, ['n1']);
        assert.ok(after.ringEpoch > both.ringEpoch);
        assert.deepEqual(
          after.members.map((x) => x.id),
          ['n1', 'n2'],
        );
        const back = await m.heartbeat(info('n2'), 60_000);
        assert.deepEqual(back.alive, ['n1', 'n2']);
        assert.ok(back.ringEpoch > after.ringEpoch);
      }));
  });

  group('mailboxes', (engine) => {
    it('consume reads entries in order once; ack removes them', async () => {
      const mb = need(engine(), 'mailboxes');
      const node = unique('node');
      const ids = [await mb.enqueue(node, 'a'), await mb.enqueue(node, 'b'), await mb.enqueue(node, 'c')];
      const got = await mb.consume(node, 10, 0);
      assert.deepEqual(got, [
        { id: ids[0], body: 'a' },
        { id: ids[1], body: 'b' },
        { id: ids[2], body: 'c' },
      ]);
      assert.deepEqual(await mb.consume(node, 10, 0), []);
      await mb.ack(
        node,
        got.map((x) => x.id),
      );
      assert.deepEqual(await mb.claim(node, unique('other'), 0, 10), [], 'nothing left pending after ack');
    });

    it('count bounds a read', async () => {
      const mb = need(engine(), 'mailboxes');
      const node = unique('node');
      for (const b of ['1', '2', '3']) await mb.enqueue(node, b);
      assert.deepEqual(
        (await mb.consume(node, 2, 0)).map((x) => x.body),
        ['1', '2'],
      );
      assert.deepEqual(
        (await mb.consume(node, 2, 0)).map((x) => x.body),
        ['3'],
      );
    });

    it('a blocked consume wakes on enqueue, and an empty one ends after blockMs', async () => {
      const mb = need(engine(), 'mailboxes');
      const node = unique('node');
      const t0 = Date.now();
      let settled = false;
      const reading = mb.consume(node, 10, 5_000).finally(() => (settled = true));
      // Give the read time to reach the engine, so that it has to wait for the entry rather than find it.
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(settled, false, 'an empty mailbox makes consume wait');
      await mb.enqueue(node, 'wake');
      const got = await within(WAIT_MS, reading, 'blocked consume');
      assert.deepEqual(
        got.map((x) => x.body),
        ['wake'],
      );
      assert.ok(Date.now() - t0 < 2_500, 'woken by the entry, not by the block timeout');
      const t1 = Date.now();
      assert.deepEqual(await within(WAIT_MS, mb.consume(node, 10, 150), 'empty blocked consume'), []);
      assert.ok(Date.now() - t1 >= 100, 'an empty consume waits about blockMs');
    });

    it("a survivor claims a dead node's pending entries, only once they are idle long enough", async () => {
      const mb = need(engine(), 'mailboxes');
      const dead = unique('dead');
      const survivor = unique('alive');
      await mb.enqueue(dead, 'x');
      await mb.enqueue(dead, 'y');
      const pending = await mb.consume(dead, 10, 0);
      assert.equal(pending.length, 2);
      assert.deepEqual(await mb.claim(dead, survivor, 60_000, 10), [], 'not idle for a minute yet');
      const claimed = await mb.claim(dead, survivor, 0, 10);
      assert.deepEqual(claimed, pending);
      await mb.ack(
        dead,
        claimed.map((x) => x.id),
      );
      assert.deepEqual(await mb.claim(dead, survivor, 0, 10), []);
      assert.deepEqual(await mb.claim(unique('never'), survivor, 0, 10), [], 'a mailbox that never existed has nothing pending');
    });

    it('answers reach the listener of their node, in order, at most once; none after offAnswers; a new listener replaces the old', async () => {
      const mb = need(engine(), 'mailboxes');
      const [a, b] = [unique('asker'), unique('asker')];
      /** Bodies each listener got, and waits on their counts. */
      const got = new Map<string, string[]>();
      const waits: (() => void)[] = [];
      const listener = (name: string) => (body: string) => {
        got.set(name, [...(got.get(name) ?? []), body]);
        for (const w of waits) w();
      };
      const has = (name: string, n: number): Promise<void> =>
        within(
          WAIT_MS,
          new Promise<void>((resolve) => {
            const check = (): void => {
              if ((got.get(name)?.length ?? 0) >= n) resolve();
            };
            waits.push(check);
            check();
          }),
          `${n} answers for ${name}`,
        );
      const la1 = listener('a1');
      await mb.onAnswers(a, la1);
      await mb.onAnswers(b, listener('b'));
      await mb.answer(a, 'one');
      await mb.answer(b, 'for b');
      await mb.answer(a, 'two\nlines');
      await has('a1', 2);
      await has('b', 1);
      assert.deepEqual(got.get('a1'), ['one', 'two\nlines']);
      assert.deepEqual(got.get('b'), ['for b']);

      await mb.offAnswers(a, la1);
      await mb.answer(a, 'nobody listens');
      // A later listener does not get what was sent before it listened (nothing is stored).
      const la2 = listener('a2');
      await mb.onAnswers(a, la2);
      await mb.answer(a, 'after');
      await has('a2', 1);
      const la3 = listener('a3');
      await mb.onAnswers(a, la3);
      await mb.offAnswers(a, la2); // not the current listener: no effect
      await mb.answer(a, 'replaced');
      await has('a3', 1);
      assert.deepEqual(got.get('a2'), ['after']);
      assert.deepEqual(got.get('a3'), ['replaced']);
      assert.deepEqual(got.get('a1'), ['one', 'two\nlines'], 'nothing for a listener taken off');
      await mb.answer(unique('nobody'), 'dropped'); // no listener at all: resolves, goes nowhere
      assert.deepEqual(await mb.consume(a, 10, 0), [], 'answers never enter the mailbox stream');
      await mb.offAnswers(a, la3);
      await mb.offAnswers(b, listener('b')); // another function: b keeps its listener
      await mb.answer(b, 'still b');
      await has('b', 2);
    });

    it('drop removes a mailbox; it starts empty when used again', async () => {
      const mb = need(engine(), 'mailboxes');
      const node = unique('node');
      await mb.enqueue(node, 'old');
      await mb.drop(node);
      assert.deepEqual(await mb.consume(node, 10, 0), []);
      await mb.enqueue(node, 'new');
      assert.deepEqual(
        (await mb.consume(node, 10, 0)).map((x) => x.body),
        ['new'],
      );
    });
  });

  group('rosters', (engine) => {
    it('add, remove and members of a roster; drop forgets it; rosters are apart', async () => {
      const r = need(engine(), 'rosters');
      const [a, b] = [unique('n1@1'), unique('n2@1')];
      await r.add(a, 'u1');
      await r.add(a, 'u2');
      await r.add(a, 'u1');
      await r.add(b, 'u3');
      assert.deepEqual((await r.members(a)).sort(), ['u1', 'u2']);
      await r.remove(a, 'u1');
      await r.remove(a, 'never');
      assert.deepEqual(await r.members(a), ['u2']);
      await r.drop(a);
      assert.deepEqual(await r.members(a), []);
      assert.deepEqual(await r.members(b), ['u3']);
    });
  });

  group('counters', (engine) => {
    it('add returns the new value; get reads it; unknown keys are 0', async () => {
      const c = need(engine(), 'counters');
      const k = unique('conn:user');
      assert.equal(await c.add(k, 5, 60_000), 5);
      assert.equal(await c.add(k, -2, 60_000), 3);
      assert.equal(await c.get(k), 3);
      assert.equal(await c.get(unique('none')), 0);
    });

    it('a counter expires ttlMs after its last change', async () => {
      const c = need(engine(), 'counters');
      const k = unique('stats');
      await c.add(k, 1, 100);
      assert.equal(await c.get(k), 1);
      await until(WAIT_MS, 'counter expired', async () => ((await c.get(k)) === 0 ? true : undefined));
    });

    it('token bucket: burst tokens at once, then a wait of about 1/rate', async () => {
      const c = need(engine(), 'counters');
      const k = unique('rl');
      for (let i = 0; i < 3; i++) assert.equal(await c.take(k, 1, 3), 0, `token ${i + 1} of the burst`);
      const wait = await c.take(k, 1, 3);
      assert.ok(wait > 0 && wait <= 1_000, `waits ${wait} ms`);
      assert.equal(await c.take(unique('rl'), 1, 3), 0, 'buckets are per key');
    });

    it('takeUpTo: whole tokens up to `want` from the same bucket, then none and a wait', async () => {
      const c = need(engine(), 'counters');
      const k = unique('rl');
      assert.deepEqual(await c.takeUpTo(k, 1, 5, 3), { taken: 3, waitMs: 0 });
      assert.equal(await c.take(k, 1, 5), 0, 'take shares the bucket');
      assert.deepEqual(await c.takeUpTo(k, 1, 5, 3), { taken: 1, waitMs: 0 }, 'only what is left');
      const none = await c.takeUpTo(k, 1, 5, 3);
      assert.equal(none.taken, 0);
      assert.ok(none.waitMs > 0 && none.waitMs <= 1_000, `waits ${none.waitMs} ms`);
      await assert.rejects(async () => c.takeUpTo(k, 1, 5, 0), (err: unknown) => err instanceof HaatError && err.code === 'bad_request');
    });

    it('a bucket with no rate or no burst is a bad_request', async () => {
      const c = need(engine(), 'counters');
      const bad = (err: unknown): boolean => err instanceof HaatError && err.code === 'bad_request';
      await assert.rejects(async () => c.take(unique('rl'), 0, 3), bad);
      await assert.rejects(async () => c.take(unique('rl'), 1, 0), bad);
    });
  });

  describe(`${label}: reminders`, { timeout: GROUP_TIMEOUT_MS, ...(skip.reminders === undefined ? {} : { skip: skip.reminders }) }, () => {
    it('due answers the reminders at or before now, oldest first, up to limit; set moves, cancel removes', () =>
      withEngine(async (e) => {
        const r = need(e, 'reminders');
        await r.set({ address: 'auction:1', name: 'close', dueAt: 300 });
        await r.set({ address: 'auction:2', name: 'close', dueAt: 100 });
        await r.set({ address: 'sale:1', name: 'hold:9', dueAt: 200 });
        await r.set({ address: 'sale:1', name: 'end', dueAt: 10_000 });
        assert.deepEqual(await r.due(250, 10), [
          { address: 'auction:2', name: 'close', dueAt: 100 },
          { address: 'sale:1', name: 'hold:9', dueAt: 200 },
        ]);
        assert.deepEqual(await r.due(300, 1), [{ address: 'auction:2', name: 'close', dueAt: 100 }]);
        await r.set({ address: 'auction:2', name: 'close', dueAt: 400 });
        await r.cancel('sale:1', 'hold:9');
        assert.deepEqual(await r.due(400, 10), [
          { address: 'auction:1', name: 'close', dueAt: 300 },
          { address: 'auction:2', name: 'close', dueAt: 400 },
        ]);
        assert.deepEqual(await r.due(400, 10), await r.due(400, 10), 'due does not consume');
      }));
  });

  group('logs', (engine) => {
    it('reads newest first, page by page with the last id as the cursor', async () => {
      const l = need(engine(), 'logs');
      const log = unique('supervision');
      for (let i = 0; i < 5; i++) await l.append(log, { i, kind: 'restart' }, 1_000);
      const pages: number[][] = [];
      let before: string | undefined;
      for (let n = 0; n < 10; n++) {
        const page = await l.read(log, 2, before);
        if (page.length === 0) break;
        pages.push(page.map((e) => e.fields['i'] as number));
        before = page[page.length - 1]!.id;
      }
      assert.deepEqual(pages, [[4, 3], [2, 1], [0]]);
      assert.deepEqual((await l.read(log, 1))[0]?.fields, { i: 4, kind: 'restart' });
    });

    it('keeps about maxLen entries, always the newest', async () => {
      const l = need(engine(), 'logs');
      const log = unique('security');
      for (let i = 0; i < 300; i++) await l.append(log, { i }, 10);
      const all = await l.read(log, 1_000);
      assert.ok(all.length >= 10 && all.length < 300, `kept ${all.length}`);
      assert.deepEqual(
        all.slice(0, 10).map((e) => e.fields['i']),
        [299, 298, 297, 296, 295, 294, 293, 292, 291, 290],
      );
    });

    it('a malformed cursor is a bad_request', async () => {
      const l = need(engine(), 'logs');
      await assert.rejects(l.read(unique('log'), 10, 'nope'), (err: unknown) => err instanceof HaatError && err.code === 'bad_request');
    });
  });

  group('bus', (engine) => {
    /** Collects bus events per channel and resolves waits on counts. */
    function collector(e: EngineUnderTest): { events: Map<string, BusEvent[]>; waitFor: (ch: string, n: number) => Promise<BusEvent[]> } {
      const events = new Map<string, BusEvent[]>();
      const waiters: (() => void)[] = [];
      need(e, 'bus').onEvent((ev) => {
        const list = events.get(ev.channel) ?? [];
        list.push(ev);
        events.set(ev.channel, list);
        for (const w of [...waiters]) w();
      });
      const waitFor = (ch: string, n: number): Promise<BusEvent[]> =>
        within(
          WAIT_MS,
          new Promise<BusEvent[]>((resolve) => {
            const check = (): void => {
              const list = events.get(ch) ?? [];
              if (list.length < n) return;
              waiters.splice(waiters.indexOf(check), 1);
              resolve(list);
            };
            waiters.push(check);
            check();
          }),
          `${n} bus events on ${ch}`,
        );
      return { events, waitFor };
    }

    it('append publishes: a watcher receives exactly the appended events of watched channels, in order', async () => {
      const e = engine();
      const h = need(e, 'history');
      const bus = need(e, 'bus');
      assert.equal(h.publishesOnAppend, true);
      const { events, waitFor } = collector(e);
      const watched = unique('ch');
      const other = unique('ch');
      await bus.watch(watched);
      const w = await h.top(watched);
      const o = await h.top(other);
      const sent: AppendRequest[] = [];
      for (let i = 1; i <= 5; i++) {
        const req = event(w.epoch, i, { frame: `{"n":${i},"text":"দাম\\n"}` });
        sent.push(req);
        await h.append(watched, req, bounds);
        await h.append(other, event(o.epoch, i), bounds);
      }
      // Refused appends publish nothing.
      assert.equal((await h.append(watched, event(w.epoch, 3), bounds)).kind, 'stale');
      const dedupe = { key: 'd', answer: 'x', ttlMs: 60_000 };
      await h.append(watched, event(w.epoch, 6, { dedupe }), bounds);
      sent.push(event(w.epoch, 6, { dedupe }));
      assert.equal((await h.append(watched, event(w.epoch, 7, { dedupe }), bounds)).kind, 'duplicate');
      const got = await waitFor(watched, 6);
      assert.deepEqual(
        got.map((ev) => ({ channel: ev.channel, epoch: ev.epoch, offset: ev.offset, frame: ev.frame })),
        sent.map((r) => ({ channel: watched, epoch: r.epoch, offset: r.offset, frame: r.frame })),
      );
      assert.equal(got[0]!.at, sent[0]!.at);
      // Watch the other channel now: its first event after the watch must be the first one we see of it.
      await bus.watch(other);
      await h.append(other, event(o.epoch, 6), bounds);
      assert.deepEqual(
        (await waitFor(other, 1)).map((ev) => ev.offset),
        [6],
      );
      assert.equal(events.get(watched)!.length, 6, 'no duplicate or refused append was published');
    });

    it('appendNext publishes too: a watcher receives each event once, with the frame the history stored', async () => {
      const e = engine();
      const h = need(e, 'history');
      const bus = need(e, 'bus');
      const { events, waitFor } = collector(e);
      const ch = unique('ch');
      await bus.watch(ch);
      const dedupe = { key: 'd', ttlMs: 60_000 };
      for (let n = 1; n <= 3; n++) await h.appendNext(ch, nextEvent(n, n === 3 ? { dedupe } : {}), bounds);
      assert.equal((await h.appendNext(ch, nextEvent(4, { dedupe }), bounds)).kind, 'duplicate');
      const got = await waitFor(ch, 3);
      const { epoch } = await h.top(ch);
      const stored = (await h.readSince(ch, { epoch, offset: 0 }, Date.now())).entries ?? [];
      assert.deepEqual(
        got.map((ev) => ({ epoch: ev.epoch, offset: ev.offset, frame: ev.frame, at: ev.at })),
        stored.map((x) => ({ epoch, offset: x.offset, frame: x.frame, at: x.at })),
      );
      assert.equal(stored.length, 3);
      await h.appendNext(ch, nextEvent(5), bounds);
      assert.deepEqual(
        (await waitFor(ch, 4)).map((ev) => ev.offset),
        [1, 2, 3, 4],
      );
      assert.equal(events.get(ch)!.length, 4, 'the duplicate was not published');
    });

    it('unwatch stops the events of that channel only', async () => {
      const e = engine();
      const h = need(e, 'history');
      const bus = need(e, 'bus');
      const { events, waitFor } = collector(e);
      const [a, b] = [unique('ch'), unique('ch')];
      await bus.watch(a);
      await bus.watch(b);
      const ta = await h.top(a);
      const tb = await h.top(b);
      await h.append(a, event(ta.epoch, 1), bounds);
      await waitFor(a, 1);
      await bus.unwatch(a);
      await h.append(a, event(ta.epoch, 2), bounds);
      await h.append(b, event(tb.epoch, 1), bounds);
      await waitFor(b, 1);
      // Watching a again, its next event is the first one after the unwatched gap.
      await bus.watch(a);
      await h.append(a, event(ta.epoch, 3), bounds);
      assert.deepEqual(
        (await waitFor(a, 2)).map((ev) => ev.offset),
        [1, 3],
      );
      assert.equal(events.get(a)!.length, 2);
    });
  });

  it(`${label}: ping answers`, async () => {
    const e = await makeEngine();
    try {
      await within(WAIT_MS, e.ping(), 'ping');
    } finally {
      await e.close();
    }
  });
}
