import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisEngine } from '../engines/redis/redis-engine.ts';
import type { Engine } from '../engines/engine.ts';
import { silentLogger } from '../log/logger.ts';
import { freePort, startRedisServer, type RedisServer } from '../testkit/redis-server.ts';
import { LeasedUserRates } from './leased-user-rate.ts';
import type { RateBucket } from './user-rates.ts';

let server: RedisServer;
const engines: Engine[] = [];
before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await Promise.all(engines.map((e) => e.close()));
  await server?.stop();
});

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

/** Frames offered on each bucket in turn, as fast as leases allow, for `ms`; answers how many were allowed. */
async function offer(buckets: RateBucket[], ms: number): Promise<number> {
  let allowed = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const b of buckets) if (b.take(Date.now()) === 0) allowed++;
    await tick();
  }
  return allowed;
}

test('two nodes share one user bucket: together they allow about what one bucket allows', async () => {
  const prefix = `lr${process.pid}`;
  const [e1, e2] = await Promise.all([1, 2].map(() => createRedisEngine([server.url], { logger: silentLogger(), prefix })));
  engines.push(e1!, e2!);
  const n1 = new LeasedUserRates({ counters: e1!.counters, logger: silentLogger() });
  const n2 = new LeasedUserRates({ counters: e2!.counters, logger: silentLogger() });
  const now = Date.now();
  // 10 messages/s a connection: the user's bucket is 20/s, burst 40; a batch is 10 tokens.
  const b1 = n1.acquire('u1', 'client', 10, now);
  const b2 = n2.acquire('u1', 'client', 10, now);
  const ms = 500;
  const allowed = await offer([b1, b2], ms);
  // One bucket allows at most burst + rate x time; each node may add its first frames'
  // fallback (before the first lease answers: one round in this loop).
  const oneBucket = 40 + (20 * ms) / 1000;
  assert.ok(allowed <= oneBucket + 2 * 3, `allowed ${allowed}, one bucket allows ${oneBucket}`);
  assert.ok(allowed >= 40, `allowed ${allowed}: the shared burst is used (leased tokens are not left unused while frames wait)`);
  // Two node-local buckets (the single-node implementation) would have allowed about twice as much.
  assert.ok(allowed < 2 * 40);
  // A refused frame says how long to wait.
  const wait = b1.take(Date.now());
  assert.ok(wait > 0 && wait <= 1000, `wait ${wait}`);
  // Another user has a bucket of its own.
  const other = n1.acquire('u2', 'client', 10, Date.now());
  assert.ok((await offer([other], 100)) >= 30);
});

test('the engine unreachable: the node-local bucket applies instead (frames are neither all refused nor unlimited)', async () => {
  const down = await createRedisEngine([`redis://127.0.0.1:${await freePort()}`], { logger: silentLogger(), prefix: 'down', waitForConnection: false, maxBackoffMs: 50 });
  engines.push(down);
  const rates = new LeasedUserRates({ counters: down.counters, logger: silentLogger() });
  const b = rates.acquire('u1', 'client', 10, Date.now());
  const allowed = await offer([b], 200);
  assert.ok(allowed >= 40 && allowed <= 40 + 20 * 0.2 + 2, `allowed ${allowed}: the local burst of 40 and its refill`);
});

test('frames arriving together are served from the leased pool; the user`s further frames wait for the shared bucket', async () => {
  const e = await createRedisEngine([server.url], { logger: silentLogger(), prefix: `lr${process.pid}b` });
  engines.push(e);
  const rates = new LeasedUserRates({ counters: e.counters, logger: silentLogger() });
  // 20 messages/s a connection: the user's bucket is 40/s, burst 80; a batch is 20.
  const b = rates.acquire('u1', 'client', 20, Date.now());
  assert.equal(b.take(Date.now()), 0, 'the first frame (the first lease is sent)');
  // Redis answers in order: once the same script's round trip is back, so is the lease.
  const barrier = () => e.counters.takeUpTo(`barrier${Math.random()}`, 1, 1, 1);
  await barrier();
  const now = Date.now();
  let together = 0;
  while (b.take(now) === 0) together++;
  assert.ok(together >= 10 && together <= 30, `${together} frames in one tick: between half a batch and a batch and a half`);
  // Another node drains the shared bucket: this one serves at most what it already leased, then the user waits.
  while ((await e.counters.takeUpTo('user:client:u1', 40, 80, 80)).taken > 0);
  let more = 0;
  let wait = 0;
  while ((wait = b.take(Date.now())) === 0 && more < 200) {
    more++;
    await barrier();
  }
  assert.ok(more <= 30 + 2, `${more} more frames: what was leased before the drain (and the refill meanwhile)`);
  assert.ok(wait > 0 && wait <= 1000, `waits ${wait} ms`);
});

test('a user sending steadily under its limit is never refused, however long it keeps sending on one node', { timeout: 15_000 }, async () => {
  const engine = await createRedisEngine([server.url], { logger: silentLogger(), prefix: `steady${process.pid}` });
  engines.push(engine);
  // 1,000 messages/s a connection: the user's bucket is 2,000/s, burst 4,000 (batches of 1,000).
  const rates = new LeasedUserRates({ counters: engine.counters, logger: silentLogger(), holdMs: 300 });
  const bucket = rates.acquire('steady', 'server', 1000, Date.now());
  let refused = 0;
  let taken = 0;
  // About 200 frames/s, a tenth of the limit, for longer than holdMs several times over.
  const end = Date.now() + 1500;
  while (Date.now() < end) {
    if (bucket.take(Date.now()) > 0) refused++;
    taken++;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(taken > 100, `offered ${taken}`);
  assert.equal(refused, 0, `${refused} of ${taken} frames refused while far under the limit`);
});

test('a user quiet on a node for longer than holdMs is not refused its next frame there', async () => {
  const engine = await createRedisEngine([server.url], { logger: silentLogger(), prefix: `quiet${process.pid}` });
  engines.push(engine);
  const rates = new LeasedUserRates({ counters: engine.counters, logger: silentLogger(), holdMs: 1000 });
  // Times are passed in: the pause is simulated, not slept.
  const t0 = Date.now();
  const bucket = rates.acquire('quiet', 'client', 20, t0);
  assert.equal(bucket.take(t0), 0, 'the first frame, before any lease');
  await rates.settled();
  assert.equal(bucket.take(t0 + 10), 0, 'from the leased pool');
  assert.equal(bucket.take(t0 + 5000), 0, 'after five quiet seconds, while the pool is given up and a new lease is out');
  await rates.settled();
  assert.equal(bucket.take(t0 + 5010), 0, 'from the new lease');
});
