// The shared engine suite on a spawned redis-server and on a spawned
// 3-master Redis Cluster, plus what only a real server can show: commands
// fail fast while it is down, and the same engine works again (scripts,
// groups, bus subscriptions) after it comes back empty.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runEngineSuite } from './engine.suite.ts';
import { createRedisEngine, type RedisEngineOptions } from './redis/redis-engine.ts';
import { killSubscriberConnections, startRedisServer, startRedisCluster, type RedisServer, type RedisCluster } from '../testkit/redis-server.ts';
import { silentLogger } from '../log/logger.ts';
import { HaatError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { KeySpace } from './redis/keys.ts';
import { Redis } from 'ioredis';
import { waitFor } from '../testkit/wait.ts';

/**
 * Answers reach a node's listener, then the subscriber connections are killed
 * on `ports` (CLIENT KILL TYPE pubsub), and answers reach the listener again
 * once the engine has subscribed again (probed by sending answers: bounded,
 * each probe a round trip).
 */
async function answersSurviveSubscriberKill(e: Engine, ports: readonly number[]): Promise<void> {
  const got: string[] = [];
  await e.mailboxes.onAnswers('n1', (body) => got.push(body));
  await e.mailboxes.answer('n1', 'before');
  await waitFor(() => got.length, (k) => k === 1, { timeoutMs: 3_000, what: 'the answer before the kill' });
  assert.ok((await killSubscriberConnections(ports)) >= 1, 'a subscriber connection was killed');
  let probes = 0;
  await waitFor(
    async () => {
      await e.mailboxes.answer('n1', `probe ${++probes}`).catch(() => undefined);
      return got.length;
    },
    (k) => k > 1,
    { timeoutMs: 5_000, what: 'an answer after the subscriber connection came back' },
  );
  assert.match(got[1]!, /^probe \d+$/);
}

let n = 0;
const options = (extra: Partial<RedisEngineOptions> = {}): RedisEngineOptions => ({
  logger: silentLogger(),
  // A fresh key space per engine: suites and tests never see each other's keys.
  prefix: `t${process.pid}x${++n}`,
  maxBackoffMs: 100,
  connectTimeoutMs: 3_000,
  ...extra,
});

describe('redis engine on one redis-server', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await server?.stop();
  });
  runEngineSuite('redis', () => createRedisEngine([server.url], options()));

  it('answers reach their listener again after its subscriber connection is killed', async () => {
    const e = await createRedisEngine([server.url], options());
    try {
      await answersSurviveSubscriberKill(e, [server.port]);
    } finally {
      await e.close();
    }
  });

  it('a heartbeat does not wait behind the commands connection\'s backlog', async () => {
    const e = await createRedisEngine([server.url], options({ commandTimeoutMs: 10_000 }));
    try {
      // The first beat opens the membership connection.
      await e.membership.heartbeat({ id: 'busy', endpoint: '', startedAt: 1, connections: 0, actors: 0 }, 2_500);
      const FLOOD = 100_000;
      let answered = 0;
      const flood = Array.from({ length: FLOOD }, () => e.ping().then(() => answered++));
      const view = await e.membership.heartbeat({ id: 'busy', endpoint: '', startedAt: 1, connections: 0, actors: 0 }, 2_500);
      const answeredAtBeat = answered;
      await Promise.all(flood);
      assert.deepEqual(view.alive, ['busy']);
      // On a shared, pipelined connection the beat would come back after every ping sent before it.
      assert.ok(answeredAtBeat < FLOOD, `the beat came back after ${answeredAtBeat} of ${FLOOD} pings queued before it`);
    } finally {
      await e.close();
    }
  });
});

describe('redis engine on a 3-master Redis Cluster', { timeout: 60_000 }, () => {
  let cluster: RedisCluster;
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(async () => {
    await cluster?.stop();
  });
  runEngineSuite('redis-cluster', () => createRedisEngine(cluster.urls, options()));

  it('the bus resubscribes and reports a reset when a master drops its subscriber connection', async () => {
    const e = await createRedisEngine(cluster.urls, options());
    try {
      const bus = e.bus!;
      const got: string[] = [];
      let onGot: () => void = () => undefined;
      bus.onEvent((ev) => {
        got.push(`${ev.channel}:${ev.offset}`);
        onGot();
      });
      let onReset: () => void = () => undefined;
      bus.onReset(() => onReset());
      const channels = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
      const bounds = { maxLen: 10, ttlMs: 60_000 };
      const tops = [];
      for (const ch of channels) {
        await bus.watch(ch);
        tops.push(await e.history.top(ch));
      }
      const reset = new Promise<void>((resolve) => (onReset = resolve));
      // One master drops its pub/sub clients (each drop is its own reset; after
      // several concurrent ones only the last reset promises full delivery).
      const raw = new Redis({ port: cluster.nodes[0]!.port, host: '127.0.0.1', lazyConnect: true });
      await raw.connect();
      assert.equal(await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), 1);
      raw.disconnect();
      await Promise.race([reset, new Promise((_, reject) => setTimeout(() => reject(new Error('no bus reset within 5 s')), 5_000))]);
      const all = new Promise<void>((resolve) => (onGot = () => got.length === channels.length && resolve()));
      for (const [i, ch] of channels.entries()) await e.history.append(ch, { epoch: tops[i]!.epoch, offset: 1, frame: 'f', at: 1, expiresAt: Date.now() + 60_000 }, bounds);
      await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${got.join(',')} within 3 s`)), 3_000))]);
      assert.deepEqual(got.sort(), channels.map((ch) => `${ch}:1`));
    } finally {
      await e.close();
    }
  });

  it('answers reach their listener again after the masters drop their subscriber connections', async () => {
    const e = await createRedisEngine(cluster.urls, options());
    try {
      await answersSurviveSubscriberKill(
        e,
        cluster.nodes.map((x) => x.port),
      );
    } finally {
      await e.close();
    }
  });

  it('is a cluster engine whose channels land on different masters', async () => {
    const e = await createRedisEngine(cluster.urls, options());
    try {
      assert.equal(e.name, 'redis-cluster');
      // 20 channels spread over 3 masters' slots: each append ran its script on the channel's master.
      for (let i = 0; i < 20; i++) {
        const top = await e.history.top(`spread-${i}`);
        assert.equal((await e.history.append(`spread-${i}`, { epoch: top.epoch, offset: 1, frame: 'f', at: 1, expiresAt: Date.now() + 60_000 }, { maxLen: 10, ttlMs: 60_000 })).kind, 'appended');
      }
    } finally {
      await e.close();
    }
  });
});

function isUnavailable(err: unknown): boolean {
  return err instanceof HaatError && err.code === 'unavailable' && err.temporary;
}

/** Bounded: probes with ping until it answers. */
async function reachable(e: Engine, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await e.ping();
      return;
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      if (Date.now() > deadline) throw new Error(`engine not reachable again within ${ms} ms`, { cause: err });
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('redis engine faults', { timeout: 30_000 }, () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('fails fast with unavailable while redis-server is down, and works again after it restarts empty', async () => {
    const e = await createRedisEngine([server.url], options());
    try {
      const bus = e.bus!;
      let resets = 0;
      let onReset: () => void = () => undefined;
      bus.onReset(() => {
        resets++;
        onReset();
      });
      const seen: number[] = [];
      let onSeen: () => void = () => undefined;
      bus.onEvent((ev) => {
        seen.push(ev.offset);
        onSeen();
      });
      await bus.watch('prices');
      const before = await e.history.top('prices');
      const bounds = { maxLen: 10, ttlMs: 60_000 };
      assert.equal((await e.history.append('prices', { epoch: before.epoch, offset: 1, frame: 'a', at: 1, expiresAt: Date.now() + 60_000 }, bounds)).kind, 'appended');
      await e.mailboxes.enqueue('n1', 'm');
      assert.equal((await e.mailboxes.consume('n1', 10, 0)).length, 1);

      await server.kill();
      for (const op of [() => e.ping(), () => e.history.top('prices'), () => e.counters.add('c', 1, 1_000), () => e.state.saveMany([{ address: 'a', state: 1, ringEpoch: 1, expectVersion: 0 }])]) {
        const t0 = Date.now();
        await assert.rejects(async () => op(), isUnavailable);
        assert.ok(Date.now() - t0 < 500, 'fails fast, not after a timeout');
      }

      const reset = new Promise<void>((resolve) => (onReset = resolve));
      const secondEvent = new Promise<void>((resolve) => (onSeen = () => seen.length >= 2 && resolve()));
      await server.restart({ wipe: true });
      await reachable(e, 5_000);
      await Promise.race([reset, new Promise((_, reject) => setTimeout(() => reject(new Error('no bus reset within 5 s')), 5_000))]);
      assert.equal(resets, 1);

      // The history was lost: a new epoch (clients get recovered:false), and scripts run on the empty server.
      const after = await e.history.top('prices');
      assert.notEqual(after.epoch, before.epoch);
      assert.equal(after.offset, 0);
      assert.deepEqual(await e.history.append('prices', { epoch: before.epoch, offset: 2, frame: 'b', at: 2, expiresAt: Date.now() + 60_000 }, bounds), { kind: 'stale', top: after });
      assert.equal((await e.history.append('prices', { epoch: after.epoch, offset: 1, frame: 'c', at: 3, expiresAt: Date.now() + 60_000 }, bounds)).kind, 'appended');
      // The bus resubscribed: the new event arrives.
      await Promise.race([secondEvent, new Promise((_, reject) => setTimeout(() => reject(new Error('no event after the restart within 3 s')), 3_000))]);
      assert.deepEqual(seen, [1, 1]);
      // Mailbox groups are recreated on the empty server, blocking reads work.
      await e.mailboxes.enqueue('n1', 'after');
      assert.deepEqual(
        (await e.mailboxes.consume('n1', 10, 200)).map((x) => x.body),
        ['after'],
      );
      assert.equal(await e.counters.add('c', 2, 10_000), 2);
    } finally {
      await e.close();
    }
  });

  it('Redis itself refuses an offset at or below the stream\'s last id, even when the meta says otherwise', async () => {
    const opts = options();
    const e = await createRedisEngine([server.url], opts);
    const raw = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    try {
      await raw.connect();
      const ch = 'fenced-by-xadd';
      const { epoch } = await e.history.top(ch);
      const bounds = { maxLen: 10, ttlMs: 60_000 };
      for (let o = 1; o <= 3; o++) await e.history.append(ch, { epoch, offset: o, frame: `f${o}`, at: o, expiresAt: Date.now() + 60_000 }, bounds);
      // A meta that fell behind its stream (as after a partial restore): only XADD stands in the way.
      await raw.hset(new KeySpace(opts.prefix!).channelMeta(ch), 'o', '1');
      assert.deepEqual(await e.history.append(ch, { epoch, offset: 2, frame: 'again', at: 9, expiresAt: Date.now() + 60_000 }, bounds), { kind: 'stale', top: { epoch, offset: 1 } });
      assert.deepEqual((await e.history.readSince(ch, { epoch, offset: 0 }, Date.now())).entries?.map((x) => x.frame), undefined);
      assert.equal(await raw.xlen(new KeySpace(opts.prefix!).channelStream(ch)), 3, 'nothing appended');
    } finally {
      raw.disconnect();
      await e.close();
    }
  });

  it('appendNext on a stream ahead of its meta starts a new epoch rather than reuse an offset', async () => {
    const opts = options();
    const e = await createRedisEngine([server.url], opts);
    const raw = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    try {
      await raw.connect();
      const ch = 'ahead-of-meta';
      const bounds = { maxLen: 10, ttlMs: 60_000 };
      const next = (n: number) => ({ frame: ['', ' ', ` f${n}`] as const, id: `ev_${n}`, at: n, expiresAt: Date.now() + 60_000 });
      for (let n = 1; n <= 3; n++) await e.history.appendNext(ch, next(n), bounds);
      const before = await e.history.top(ch);
      await raw.hset(new KeySpace(opts.prefix!).channelMeta(ch), 'o', '1');
      const out = await e.history.appendNext(ch, next(4), bounds);
      assert.equal(out.kind, 'appended');
      assert.ok(out.kind === 'appended' && out.epoch !== before.epoch && out.offset === 1, JSON.stringify(out));
      const after = await e.history.top(ch);
      assert.deepEqual(after, { epoch: out.kind === 'appended' ? out.epoch : '', offset: 1 });
      assert.equal((await e.history.readSince(ch, before, Date.now())).entries, undefined, 'the old epoch is not recoverable');
      assert.deepEqual((await e.history.readSince(ch, { epoch: after.epoch, offset: 0 }, Date.now())).entries?.map((x) => x.frame), [`${after.epoch} 1 f4`]);
    } finally {
      raw.disconnect();
      await e.close();
    }
  });

  it('scripts flushed from a live server (NOSCRIPT) are loaded again on the same connection', async () => {
    const e = await createRedisEngine([server.url], options());
    const raw = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    try {
      await raw.connect();
      const { epoch } = await e.history.top('noscript');
      const bounds = { maxLen: 10, ttlMs: 60_000 };
      // Run each script once first, so the connection goes by EVALSHA for them.
      assert.deepEqual(await e.history.append('noscript', { epoch, offset: 1, frame: 'f', at: 1, expiresAt: Date.now() + 60_000 }, bounds), { kind: 'appended' });
      assert.equal(await e.counters.add('flush', 3, 10_000), 3);
      assert.equal(await raw.call('SCRIPT', 'FLUSH'), 'OK');
      assert.deepEqual(await e.history.append('noscript', { epoch, offset: 2, frame: 'g', at: 2, expiresAt: Date.now() + 60_000 }, bounds), { kind: 'appended' });
      assert.equal(await e.counters.add('flush', 3, 10_000), 6);
    } finally {
      raw.disconnect();
      await e.close();
    }
  });

  it('creating an engine against nothing fails with unavailable within the connect timeout', async () => {
    const dead = await startRedisServer();
    const url = dead.url;
    await dead.stop();
    const t0 = Date.now();
    await assert.rejects(createRedisEngine([url], options({ connectTimeoutMs: 500 })), isUnavailable);
    assert.ok(Date.now() - t0 < 2_000);
  });
});
