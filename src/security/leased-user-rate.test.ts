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
  // 10 messages/s a connection: the user's bucket is 20/s, burst 40; a batch is 2 tokens.
  const b1 = n1.acquire('u1', 'client', 10, now);
  const b2 = n2.acquire('u1', 'client', 10, now);
  const ms = 500;
  const allowed = await offer([b1, b2], ms);
  // One bucket allows at most burst + rate x time; each node may add its first frame's
  // fallback (before the first lease answers) and hold a batch.
  const oneBucket = 40 + (20 * ms) / 1000;
  assert.ok(allowed <= oneBucket + 2 * 2 + 2 * 3, `allowed ${allowed}, one bucket allows ${oneBucket}`);
  assert.ok(allowed >= 40 - 2 * 2, `allowed ${allowed}: the shared burst is used`);
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
