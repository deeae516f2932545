// A command whose reply arrived while the event loop was blocked past the
// command timeout resolves; one that gets no reply still times out. Against a
// real redis-server (one per test file), through the engine's own connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer, type RedisServer } from '../../testkit/redis-server.ts';
import { connectClient, type RedisClient } from './connection.ts';
import { silentLogger } from '../../log/logger.ts';

let redis: RedisServer;
let client: RedisClient;

before(async () => {
  redis = await startRedisServer({ extraArgs: ['--enable-debug-command', 'yes'] });
  // The membership role: no auto-pipelining, so a command is written at once.
  client = await connectClient([{ host: '127.0.0.1', port: redis.port }], 'membership', { logger: silentLogger(), maxBackoffMs: 500, commandTimeoutMs: 50, connectTimeoutMs: 5_000 });
});

after(async () => {
  client?.disconnect();
  await redis?.stop();
});

/** Sends `send()` from the loop's check phase, then keeps the thread busy for `blockMs`: the next turn starts with the timer due. */
function sendThenBlock<T>(send: () => Promise<T>, blockMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    setImmediate(() => {
      send().then(resolve, reject);
      const until = performance.now() + blockMs;
      while (performance.now() < until);
    });
  });
}

test('a reply that arrived while the loop was blocked past the command timeout is taken, not timed out', { timeout: 10_000 }, async () => {
  assert.equal(await sendThenBlock(() => client.ping(), 300), 'PONG');
  assert.equal(await sendThenBlock(() => client.set('lag-tolerant', 'v'), 300), 'OK');
  assert.equal(await sendThenBlock(() => client.get('lag-tolerant'), 300), 'v');
});

test('a command that gets no reply still times out', { timeout: 10_000 }, async () => {
  // DEBUG SLEEP holds the server for longer than the 50 ms command timeout.
  await assert.rejects(client.call('DEBUG', 'SLEEP', '0.5'), /Command timed out/);
});
