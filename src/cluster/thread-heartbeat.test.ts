// Beats from a thread of their own, against a real redis-server: a main
// thread busy for longer than deadMs stays in the ring, one silent for longer
// than mainHungMs leaves it (and comes back), and a leave is not undone by a
// beat still in flight. The watcher is a second node whose beat thread keeps
// evaluating the live set while this process's main thread is blocked.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer, type RedisServer } from '../testkit/redis-server.ts';
import { silentLogger } from '../log/logger.ts';
import { waitFor } from '../testkit/wait.ts';
import { createRedisEngine } from '../engines/redis/redis-engine.ts';
import type { MembershipView } from '../engines/membership.ts';
import type { BeatOutcome, Heartbeat } from './heartbeat.ts';
import { LocalHeartbeat } from './local-heartbeat.ts';
import { MembershipService } from './membership-service.ts';
import { ThreadHeartbeat, type ThreadHeartbeatDeps } from './thread-heartbeat.ts';
import { markAlive } from '../threads/liveness.ts';
import { tsWorker } from '../threads/ts-worker.ts';
import type { Worker } from 'node:worker_threads';

const TIMING = { heartbeatMs: 100, suspectMs: 250, deadMs: 400 };

/**
 * Blocks this thread's event loop, as a long synchronous burst of work does:
 * no timer fires, so no pulse is sent. `working`: the burst is made of the
 * main thread's usual work (frames, answers), which marks it alive as it goes.
 */
function blockMainThread(ms: number, working = false): void {
  const until = Date.now() + ms;
  let spins = 0;
  while (Date.now() < until) {
    spins++;
    if (working && spins % 1000 === 0) markAlive();
  }
  assert.ok(spins > 0);
}

/** Passes every outcome on and keeps the views, to check what a member saw while this thread was blocked. */
class Recorded implements Heartbeat {
  readonly views: MembershipView[] = [];
  constructor(private readonly inner: Heartbeat) {}
  start(onBeat: (o: BeatOutcome) => void): Promise<void> {
    return this.inner.start((o) => {
      if (o.ok) this.views.push(o.view);
      onBeat(o);
    });
  }
  leave(): Promise<MembershipView> {
    return this.inner.leave();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  lastAnsweredAt(): number {
    return this.inner.lastAnsweredAt();
  }
}

interface Member {
  service: MembershipService;
  /** Every view this member's beats got, in order. */
  views: MembershipView[];
}

async function join(id: string, heartbeat: Heartbeat): Promise<Member> {
  const recorded = new Recorded(heartbeat);
  const service = new MembershipService({ nodeId: id, startedAt: Date.now(), config: TIMING, heartbeat: recorded, logger: silentLogger() });
  await service.start();
  return { service, views: recorded.views };
}

function threadBeat(redis: RedisServer, id: string, mainHungMs: number, spawnThread?: ThreadHeartbeatDeps['spawnThread']): ThreadHeartbeat {
  return new ThreadHeartbeat({
    urls: [redis.url],
    nodeId: id,
    startedAt: Date.now(),
    config: { ...TIMING, mainHungMs },
    pulse: () => ({ endpoint: `127.0.0.1:${id}`, connections: 0, actors: 0 }),
    logger: silentLogger(),
    ...(spawnThread ? { spawnThread } : {}),
  });
}

/** The watcher's views that arrived after `from`, once the main thread turns again and reads them. */
async function viewsAfter(watcher: Member, from: number, atLeast: number): Promise<MembershipView[]> {
  await waitFor(
    () => watcher.views.length - from,
    (k) => k >= atLeast,
    { timeoutMs: 5_000, what: `${atLeast} views of the watcher` },
  );
  return watcher.views.slice(from);
}

describe('heartbeats from a thread of their own', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis.stop();
  });

  it('a main thread blocked for longer than deadMs stays in the ring', async () => {
    const watcher = await join('w1', threadBeat(redis, 'w1', 10_000));
    const busy = await join('b1', threadBeat(redis, 'b1', 10_000));
    await waitFor(() => watcher.views.at(-1)?.alive ?? [], (a) => a.includes('b1'), { what: 'b1 alive in the watcher view' });
    const from = watcher.views.length;
    blockMainThread(TIMING.deadMs * 3);
    assert.ok(busy.service.isHealthy, 'b1 counts itself healthy the moment its main thread turns again, before it reads the outcomes queued meanwhile');
    const during = await viewsAfter(watcher, from, 8);
    assert.deepEqual(
      during.filter((v) => !v.alive.includes('b1')).map((v) => v.alive),
      [],
      'b1 was never out of the live set',
    );
    assert.equal(new Set(during.map((v) => v.ringEpoch)).size, 1, 'the ring epoch did not move');
    await Promise.all([busy.service.leave(), watcher.service.leave()]);
  });

  it('the same block with beats from the blocked thread is declared dead (what the beat thread prevents)', async () => {
    const engine = await createRedisEngine([redis.url], { logger: silentLogger() });
    try {
      const watcher = await join('w2', threadBeat(redis, 'w2', 10_000));
      await join('b2', new LocalHeartbeat({ nodeId: 'b2', engine: engine.membership, config: TIMING, info: () => ({ endpoint: 'x', startedAt: 0, connections: 0, actors: 0 }) }));
      await waitFor(() => watcher.views.at(-1)?.alive ?? [], (a) => a.includes('b2'), { what: 'b2 alive in the watcher view' });
      const from = watcher.views.length;
      blockMainThread(TIMING.deadMs * 3);
      const during = await viewsAfter(watcher, from, 8);
      assert.ok(
        during.some((v) => !v.alive.includes('b2')),
        'b2 was out of the live set while its thread was blocked',
      );
      await watcher.service.leave();
      await engine.membership.leave('b2', TIMING.deadMs);
    } finally {
      await engine.close();
    }
  });

  it('a main thread silent for longer than mainHungMs leaves the ring, and rejoins when it turns again', async () => {
    const watcher = await join('w3', threadBeat(redis, 'w3', 10_000));
    const hung = await join('h3', threadBeat(redis, 'h3', 600));
    await waitFor(() => watcher.views.at(-1)?.alive ?? [], (a) => a.includes('h3'), { what: 'h3 alive in the watcher view' });
    const epoch = watcher.views.at(-1)!.ringEpoch;
    const from = watcher.views.length;
    blockMainThread(600 + TIMING.deadMs + 1_000);
    const during = await viewsAfter(watcher, from, 8);
    assert.ok(
      during.some((v) => !v.alive.includes('h3')),
      'h3 left the live set while hung',
    );
    const back = await waitFor(() => watcher.views.at(-1)!, (v) => v.alive.includes('h3'), { what: 'h3 alive again after the block' });
    assert.ok(back.ringEpoch >= epoch + 2, `the epoch moved when h3 left and when it came back (${epoch} -> ${back.ringEpoch})`);
    await Promise.all([hung.service.leave(), watcher.service.leave()]);
  });

  it('a main thread whose timers are starved past mainHungMs while it works stays in the ring', async () => {
    const watcher = await join('w5', threadBeat(redis, 'w5', 10_000));
    const flooded = await join('f5', threadBeat(redis, 'f5', 600));
    await waitFor(() => watcher.views.at(-1)?.alive ?? [], (a) => a.includes('f5'), { what: 'f5 alive in the watcher view' });
    const from = watcher.views.length;
    blockMainThread(600 + TIMING.deadMs + 1_000, true);
    const during = await viewsAfter(watcher, from, 8);
    assert.deepEqual(
      during.filter((v) => !v.alive.includes('f5')).map((v) => v.alive),
      [],
      'f5 was never out of the live set',
    );
    await Promise.all([flooded.service.leave(), watcher.service.leave()]);
  });

  it('a beat thread that ends as a crash would is started again and the node stays in the ring', async () => {
    const watcher = await join('w6', threadBeat(redis, 'w6', 10_000));
    const threads: Worker[] = [];
    const crashing = await join(
      'c6',
      threadBeat(redis, 'c6', 10_000, (data) => {
        const w = tsWorker(new URL('./heartbeat-thread.ts', import.meta.url), { workerData: data });
        threads.push(w);
        return w;
      }),
    );
    await waitFor(() => watcher.views.at(-1)?.alive ?? [], (a) => a.includes('c6'), { what: 'c6 alive in the watcher view' });
    const before = crashing.views.length;
    await threads[0]!.terminate();
    await waitFor(() => threads.length, (n) => n === 2, { timeoutMs: 3_000, what: 'a second beat thread' });
    await waitFor(() => crashing.views.length - before, (n) => n >= 3, { timeoutMs: 3_000, what: 'beats from the second thread' });
    const from = watcher.views.length;
    const after = await viewsAfter(watcher, from, 3);
    assert.ok(after.at(-1)!.alive.includes('c6'), 'c6 is in the live set after its thread was replaced');
    await Promise.all([crashing.service.leave(), watcher.service.leave()]);
  });

  it('a leave takes the node out at once and no beat brings it back', async () => {
    const watcher = await join('w4', threadBeat(redis, 'w4', 10_000));
    const leaving = await join('l4', threadBeat(redis, 'l4', 10_000));
    await waitFor(() => watcher.views.at(-1)?.alive ?? [], (a) => a.includes('l4'), { what: 'l4 alive in the watcher view' });
    await leaving.service.leave();
    const from = watcher.views.length;
    const after = await viewsAfter(watcher, from, 5);
    assert.deepEqual(
      after.filter((v) => v.alive.includes('l4')).map((v) => v.alive),
      [],
      'l4 stayed out after its leave',
    );
    await watcher.service.leave();
  });
});
