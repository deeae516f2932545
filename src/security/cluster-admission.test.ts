import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisEngine } from '../engines/redis/redis-engine.ts';
import type { Engine } from '../engines/engine.ts';
import { HaatError } from '../errors.ts';
import { silentLogger } from '../log/logger.ts';
import { startRedisServer, type RedisServer } from '../testkit/redis-server.ts';
import { waitFor } from '../testkit/wait.ts';
import { ClusterAdmission, type ClusterAdmissionDeps } from './cluster-admission.ts';

let server: RedisServer;
let engine: Engine;
const admissions: ClusterAdmission[] = [];
before(async () => {
  server = await startRedisServer();
  engine = await createRedisEngine([server.url], { logger: silentLogger(), prefix: `ad${process.pid}`, maxBackoffMs: 50 });
});
after(async () => {
  for (const a of admissions) a.stop();
  await engine?.close();
  await server?.stop();
});

function node(self: string, peers: () => string[], extra: Partial<ClusterAdmissionDeps> = {}): ClusterAdmission {
  const a = new ClusterAdmission({ counters: engine.counters, limits: { maxConnectionsPerUser: 3, maxConnectionsPerIp: 4 }, self: () => self, peers, ready: () => true, logger: silentLogger(), syncMs: 50, ...extra });
  admissions.push(a);
  return a;
}

test('the user limit counts the connections of every live node; a release frees a slot for any node', async () => {
  const n1 = node('n1.1', () => ['n2.1']);
  const n2 = node('n2.1', () => ['n1.1']);
  assert.equal(await n1.admit('u1', '127.0.0.1'), 'admitted');
  assert.equal(await n1.admit('u1', '127.0.0.1'), 'admitted');
  assert.equal(await n2.admit('u1', '127.0.0.1'), 'admitted');
  assert.equal(await n2.admit('u1', '127.0.0.1'), 'user_limit', 'two on n1 and one on n2 make three');
  assert.equal(await n1.admit('u1', '127.0.0.1'), 'user_limit');
  assert.equal(n2.localOf('conn:user:u1'), 1, 'a refusal counts nothing');
  n1.release('u1', '127.0.0.1');
  await waitFor(() => n2.admit('u1', '127.0.0.1'), (v) => v === 'admitted', { timeoutMs: 2000, what: 'a slot freed on n1 seen by n2' });
  assert.equal(await n2.admit('u2', '127.0.0.1'), 'admitted', 'other users are not affected');
});

test('the IP limit spans nodes; loopback is exempt from it', async () => {
  const n1 = node('n1.2', () => ['n2.2']);
  const n2 = node('n2.2', () => ['n1.2']);
  for (let i = 0; i < 2; i++) assert.equal(await n1.admit(null, '10.0.0.9'), 'admitted');
  for (let i = 0; i < 2; i++) assert.equal(await n2.admit(null, '10.0.0.9'), 'admitted');
  assert.equal(await n2.admit(null, '10.0.0.9'), 'ip_limit');
  assert.equal(await n1.admit('u3', '10.0.0.9'), 'ip_limit');
  assert.equal(n1.localOf('conn:user:u3'), 0, 'the refused connection left no user count');
  for (let i = 0; i < 6; i++) assert.equal(await n1.admit(null, '127.0.0.1'), 'admitted');
});

test('a dead node (no longer among the peers) stops counting at once, though its keys remain', async () => {
  let peers = ['n2.3'];
  const n1 = node('n1.3', () => peers);
  const n2 = node('n2.3', () => ['n1.3']);
  for (let i = 0; i < 3; i++) assert.equal(await n2.admit('u4', '127.0.0.1'), 'admitted');
  assert.equal(await n1.admit('u4', '127.0.0.1'), 'user_limit');
  peers = [];
  assert.equal(await n1.admit('u4', '127.0.0.1'), 'admitted');
  // A restart of n2 under the same id is a new incarnation: the old counts are not its own.
  const n2again = node('n2.4', () => ['n1.3']);
  assert.equal(await n2again.admit('u4', '127.0.0.1'), 'admitted');
});

test('not ready: refused as unavailable; Redis down: unavailable, counts unchanged; after Redis restarts empty the counts are written again', async () => {
  const notReady = node('n9.1', () => [], { ready: () => false });
  await assert.rejects(notReady.admit('u5', '127.0.0.1'), (e: unknown) => e instanceof HaatError && e.code === 'unavailable');

  const n1 = node('n1.5', () => ['n2.5']);
  const n2 = node('n2.5', () => ['n1.5']);
  assert.equal(await n1.admit('u6', '127.0.0.1'), 'admitted');
  assert.equal(await n1.admit('u6', '127.0.0.1'), 'admitted');
  await server.kill();
  await assert.rejects(n2.admit('u6', '127.0.0.1'), (e: unknown) => e instanceof HaatError && e.code === 'unavailable');
  assert.equal(n2.localOf('conn:user:u6'), 0, 'a failed admission counts nothing');
  await server.restart({ wipe: true });
  // n1 sent nothing during the outage; the node learns of it from membership (engineUp, ring change) and calls this.
  n1.resync();
  // n1's sync writes its two connections again; n2 then sees 2 + its own.
  await waitFor(() => engine.counters.get('conn:user:u6@n1.5').catch(() => -1), (v) => v === 2, { timeoutMs: 5000, what: 'n1 counts rewritten after the restart' });
  assert.equal(await n2.admit('u6', '127.0.0.1'), 'admitted');
  assert.equal(await n2.admit('u6', '127.0.0.1'), 'user_limit');
});
