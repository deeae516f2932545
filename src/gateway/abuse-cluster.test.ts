// Spam and connection-abuse events of one node are in the cluster's one
// security log: GET admin/security-events on the other node lists them,
// filtered by kind and paginated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startRedisServer, type RedisServer } from '../testkit/redis-server.ts';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { waitFor, withTimeout } from '../testkit/wait.ts';

const WAIT = { timeoutMs: 5_000 };
let redis: RedisServer;
let n1: TestNode;
let n2: TestNode;
let admin: string;

before(async () => {
  redis = await startRedisServer();
  const start = (id: string): Promise<TestNode> =>
    startTestNode({ node: { id }, engine: { redisUrl: redis.url }, cluster: { heartbeatMs: 100, suspectMs: 300, deadMs: 1000 }, spam: { maxRepeats: 1 }, abuse: { stormMaxUpgradesPerIp: 2 } });
  [n1, n2] = await Promise.all([start('n1'), start('n2')]);
  admin = await token({ sub: 'ops', roles: ['admin'] });
});
after(async () => {
  await Promise.all([n1?.stop(), n2?.stop()]);
  await redis?.stop();
});

// Requests close their connection: a kept-alive one to a stopped node would hold the test process open.
async function call(node: TestNode, method: string, path: string, bearer: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await withTimeout(
    fetch(node.http(`/api/v1/realtime/${path}`), { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', connection: 'close' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    { ...WAIT, what: `${method} ${path}` },
  );
  return { status: res.status, body: await res.json() };
}

function upgradeStatus(node: TestNode, localAddress: string): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: node.port, path: '/ws', localAddress, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('upgrade', (res, socket) => (socket.destroy(), resolve(res.statusCode ?? 0)));
      req.on('response', (res) => {
        const socket = res.socket;
        res.resume();
        res.on('end', () => (socket.destroy(), resolve(res.statusCode ?? 0)));
      });
      req.on('error', reject);
      req.end();
    }),
    { ...WAIT, what: 'an upgrade' },
  );
}

test('a spam refusal and a reconnect storm on n1 are listed by n2, by kind, page by page', { timeout: 30_000 }, async () => {
  const alice = await token({ sub: 'cl-alice' });
  const room = (await call(n1, 'POST', 'chat/rooms', alice, { type: 'group', participants: [{ user_id: 'cl-bob' }] })).body;
  assert.equal((await call(n1, 'POST', `chat/rooms/${room.id}/messages`, alice, { message: 'visit my shop for deals today' })).status, 201);
  const refused = await call(n1, 'POST', `chat/rooms/${room.id}/messages`, alice, { message: 'Visit my shop for DEALS today!' });
  assert.deepEqual([refused.status, refused.body.code], [422, 'spam']);
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push(await upgradeStatus(n1, '127.0.0.61'));
  assert.deepEqual(statuses, [101, 101, 429]);

  const page = await waitFor(
    () => call(n2, 'GET', 'admin/security-events?kind=spam,reconnect_storm&limit=1', admin),
    (r) => r.body.events.length === 1 && r.body.events[0].kind === 'reconnect_storm',
    { ...WAIT, what: 'n1`s events in the log n2 reads' },
  );
  assert.equal(page.body.events[0].node, 'n1');
  assert.equal(page.body.events[0].ip, '127.0.0.61');
  const next = await call(n2, 'GET', `admin/security-events?kind=spam,reconnect_storm&limit=1&cursor=${page.body.next_cursor}`, admin);
  assert.deepEqual(next.body.events.map((e: { kind: string; user_id: string; node: string }) => [e.kind, e.user_id, e.node]), [['spam', 'cl-alice', 'n1']]);
  assert.equal(next.body.next_cursor, null);
});
