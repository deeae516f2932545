// Two real nodes on one real redis-server: connection limits, admin, stats
// and the security log span both.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer, type RedisServer } from '../testkit/redis-server.ts';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { TestClient } from '../testkit/ws-client.ts';
import { waitFor, withTimeout } from '../testkit/wait.ts';
import { createRedisEngine } from '../engines/redis/redis-engine.ts';
import { silentLogger } from '../log/logger.ts';

const WAIT = { timeoutMs: 5_000 };
// Requests close their connection: a kept-alive one to a stopped node would hold the test process open.

describe('two nodes over redis', { timeout: 30_000 }, () => {
  let redis: RedisServer;
  let n1: TestNode;
  let n2: TestNode;
  let admin: string;
  const clients: TestClient[] = [];

  const start = (id: string): Promise<TestNode> =>
    startTestNode({ node: { id }, engine: { redisUrl: redis.url }, cluster: { heartbeatMs: 100, suspectMs: 300, deadMs: 1000 }, gateway: { maxConnectionsPerUser: 3 } });

  const get = async (node: TestNode, path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await withTimeout(fetch(node.http(`/api/v1/realtime/${path}`), { headers: { authorization: `Bearer ${admin}`, connection: 'close' } }), { ...WAIT, what: `GET ${path}` });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const connect = async (node: TestNode, user: string): Promise<TestClient> => {
    const c = await withTimeout(node.connect({ token: await token({ sub: user }) }), { ...WAIT, what: `${user} connected to ${node.nodeId}` });
    clients.push(c);
    return c;
  };

  before(async () => {
    redis = await startRedisServer();
    [n1, n2] = await Promise.all([start('n1'), start('n2')]);
    admin = await token({ sub: 'ops', roles: ['admin'] });
    // Both nodes see both alive.
    for (const n of [n1, n2]) {
      await waitFor(
        () => get(n, 'admin/cluster'),
        (r) => (r.body.nodes as { status: string }[]).filter((x) => x.status === 'alive').length === 2,
        { ...WAIT, what: `${n.nodeId} sees two live nodes` },
      );
    }
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    await Promise.all([n1?.stop(), n2?.stop()]);
    await redis?.stop();
  });

  it('the per-user connection limit counts both nodes: the fourth connection, on the other node, is closed with 4029', async () => {
    await connect(n1, 'lim');
    await connect(n1, 'lim');
    await connect(n2, 'lim');
    const third = await withTimeout(TestClient.open(n2.url({ token: await token({ sub: 'lim' }) })), { ...WAIT, what: 'third socket open' });
    clients.push(third);
    const closed = await withTimeout(third.closed, { ...WAIT, what: 'the third connection closed' });
    assert.equal(closed.code, 4029);
    await connect(n1, 'lim2'); // another user is not affected
    assert.equal(third.frames.filter((f) => f.type === 'authenticated').length, 0);
    // The event is in the one log, whichever node is asked.
    const events = await waitFor(
      () => get(n1, 'admin/security-events'),
      (r) => (r.body.events as { kind: string; node: string }[]).some((e) => e.kind === 'connection_limit' && e.node === 'n2'),
      { ...WAIT, what: 'connection_limit from n2 listed by n1' },
    );
    assert.equal(events.status, 200);
  });

  it('a user`s rate is shared by its connections on both nodes', async () => {
    // 20 messages/s a connection (burst 40); the user's bucket is 40/s, burst 80.
    const conns = [await connect(n1, 'fast'), await connect(n1, 'fast'), await connect(n2, 'fast')];
    // A first frame on each node starts its leases.
    for (const c of conns) assert.equal((await withTimeout(c.request({ type: 'ping' }), { ...WAIT, what: 'pong' })).type, 'pong');
    // ...and the burst comes once both nodes hold their first lease (before it, a node's own bucket applies by design).
    await withTimeout(Promise.all([n1, n2].map((n) => n.gateway.userRates.settled())), { ...WAIT, what: 'the first leases answered' });
    const answers = await withTimeout(Promise.all(conns.flatMap((c) => Array.from({ length: 40 }, () => c.request({ type: 'ping' })))), { ...WAIT, what: '120 answers' });
    const pongs = answers.filter((f) => f.type === 'pong').length;
    const limited = answers.filter((f) => f.type === 'error' && f.code === 'rate_limited').length;
    assert.equal(pongs + limited, 120);
    // Each connection alone allows 40 (39 after its first frame); per-node user buckets would allow 80 + 39.
    assert.ok(pongs <= 80 + 5, `${pongs} allowed: no more than the user's one bucket (and its refill meanwhile)`);
    assert.ok(pongs >= 20, `${pongs} allowed`);
  });

  it('admin/disconnect on one node closes the user on both (4003) and counts both', async () => {
    const a = await connect(n1, 'bad');
    const b = await connect(n2, 'bad');
    const res = await withTimeout(
      fetch(n1.http('/api/v1/realtime/admin/disconnect'), { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ user_id: 'bad', reason: 'abuse' }) }),
      { ...WAIT, what: 'POST admin/disconnect' },
    );
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, disconnected: 2 });
    for (const c of [a, b]) assert.equal((await withTimeout(c.closed, { ...WAIT, what: 'closed by the admin' })).code, 4003);
    const page = await waitFor(
      () => get(n2, 'admin/security-events?limit=500'),
      (r) => (r.body.events as { kind: string; user_id: string }[]).filter((e) => e.kind === 'admin_disconnect' && e.user_id === 'bad').length === 2,
      { ...WAIT, what: 'two admin_disconnect events' },
    );
    const nodes = (page.body.events as { kind: string; node: string; user_id: string }[]).filter((e) => e.kind === 'admin_disconnect' && e.user_id === 'bad').map((e) => e.node);
    assert.deepEqual(nodes.sort(), ['n1', 'n2']);
  });

  it('admin/connections lists both nodes page by page; stats sums both nodes', async () => {
    const mine = [await connect(n1, 'list1'), await connect(n2, 'list2'), await connect(n2, 'list3')];
    const sessions = new Set(mine.map((c) => c.frames[0]!.session_id as string));
    const seen: { session_id: string; node: string }[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const r = await get(n2, `admin/connections?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      const items = r.body.connections as { session_id: string; node: string }[];
      assert.ok(items.length <= 1);
      seen.push(...items);
      cursor = r.body.next_cursor as string | null;
      if (cursor === null) break;
    }
    assert.equal(cursor, null, 'the listing ends');
    const listed = seen.filter((s) => sessions.has(s.session_id));
    assert.deepEqual(listed.map((s) => s.node).sort(), ['n1', 'n2', 'n2']);
    assert.equal(new Set(seen.map((s) => s.session_id)).size, seen.length, 'no connection twice');
    const bad = await get(n1, 'admin/connections?cursor=bm9wZQ');
    assert.equal(bad.status, 400);

    const open = clients.filter((c) => c.ws.readyState === c.ws.OPEN).length;
    const stats = await get(n1, 'stats');
    assert.equal(stats.body.connections, open, 'connections summed over both nodes');
    assert.equal((stats.body.local as { connections: number }).connections, n1.gateway.sockets.size);
    assert.deepEqual(((stats.body.cluster as { per_node: { node: string }[] }).per_node).map((n) => n.node), ['n1', 'n2']);
  });

  it('analytics in stats are summed over both nodes: presence per division, events delivered on each node, the p99 and the scaling signal', async () => {
    const a = await withTimeout(n1.connect({ token: await token({ sub: 'an1' }), division: 'barishal', carrier: 'airtel', net: '3g' }), { ...WAIT, what: 'an1' });
    const b = await withTimeout(n2.connect({ token: await token({ sub: 'an2' }), division: 'barishal', carrier: 'banglalink', net: 'wifi' }), { ...WAIT, what: 'an2' });
    clients.push(a, b);
    const ch = 'product:cluster-analytics';
    for (const c of [a, b]) assert.equal((await c.request({ type: 'join_channel', channels: [ch] })).type, 'channels_joined');
    for (const c of [a, b]) assert.equal((await c.request({ type: 'presence', status: 'online', current_page: '/p/cluster-analytics' })).type, 'reply');
    const pub = await withTimeout(n1.connect({ token: await token({ sub: 'pub-an', roles: ['publisher'] }) }), { ...WAIT, what: 'publisher' });
    clients.push(pub);
    let last = 0;
    for (let i = 0; i < 10; i++) last = Number((await pub.request({ type: 'broadcast_event', channel: ch, event_type: 'checkout_started', data: { n: i } })).offset);
    for (const c of [a, b]) await c.next((f) => f.type === 'event' && f.channel === ch && f.offset === last);
    const stats = await get(n2, 'stats');
    const an = stats.body.analytics as Record<string, any>;
    assert.equal(an.by_division.barishal.product_view, 2, 'one report on each node');
    assert.equal(an.by_division.barishal.connections, 2);
    assert.equal(an.by_carrier.airtel.connections, 1);
    assert.equal(an.by_carrier.banglalink.connections, 1);
    assert.equal(an.shopping.events.checkout, 10, 'counted once, on the node that published');
    // n1's subscriber is lean (3g): its node writes through lean delivery; n2 publishes to its topic.
    assert.equal(an.delivery_latency.by_path.lean.count, 10, 'n1 observed its lean writes');
    assert.ok(an.delivery_latency.by_path.topic.count >= 10, 'n2 observed its topic publishes');
    assert.equal(an.delivery_latency.count, an.delivery_latency.by_path.lean.count + an.delivery_latency.by_path.topic.count);
    assert.equal(typeof stats.body.delivery_latency_p99_ms, 'number');
    const local = (stats.body.local as { analytics: { shopping: { events: { checkout: number } } } }).analytics;
    assert.equal(local.shopping.events.checkout, 0, 'n2 published none of them');
    assert.equal((await n2.analytics()).shopping.events.checkout, 10, 'the admin page`s source is cluster-wide too');
    const scaling = stats.body.scaling as { desired_nodes: number; nodes: number };
    assert.equal(scaling.nodes, 2);
    assert.ok(scaling.desired_nodes >= 1);
    const text = await (await fetch(n1.http('/metrics'), { headers: { connection: 'close' } })).text();
    assert.match(text, /haat_engine_up\{engine="redis"\} 1/);
    assert.match(text, /haat_cluster_ring_members 2/);
    const age = Number(/^haat_cluster_heartbeat_age_seconds (\S+)$/m.exec(text)?.[1]);
    assert.ok(age >= 0 && age < 1, `the last beat was answered within a second (heartbeatMs 100): ${age}`);
  });

  it('a live node that does not answer is named, after a bounded wait, and the others still count', async () => {
    // A member that heartbeats (so it is alive) but reads no mailbox: a node stuck in a long GC, say.
    const ghost = await createRedisEngine([redis.url], { logger: silentLogger() });
    const beat = () => ghost.membership.heartbeat({ id: 'ghost', endpoint: 'nowhere:0', startedAt: 1, connections: 0, actors: 0 }, 1000);
    await beat();
    // A missed beat only makes the ghost suspect, which still counts as live.
    const timer = setInterval(() => void beat().catch((err: unknown) => assert.ok(err instanceof Error)), 100);
    try {
      await waitFor(() => get(n1, 'admin/cluster'), (r) => (r.body.nodes as { id: string; status: string }[]).some((x) => x.id === 'ghost' && x.status === 'alive'), { ...WAIT, what: 'n1 sees the ghost alive' });
      const a = await connect(n2, 'stuck');
      const started = Date.now();
      const res = await withTimeout(
        fetch(n1.http('/api/v1/realtime/admin/disconnect'), { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ user_id: 'stuck' }) }),
        { ...WAIT, what: 'POST admin/disconnect' },
      );
      assert.deepEqual(await res.json(), { ok: true, disconnected: 1, unanswered_nodes: ['ghost'] });
      assert.ok(Date.now() - started < 4_000, 'bounded by the control timeout');
      assert.equal((await withTimeout(a.closed, { ...WAIT, what: 'closed' })).code, 4003);
      const stats = await get(n2, 'stats');
      assert.deepEqual((stats.body.cluster as { unanswered: string[] }).unanswered, ['ghost']);
    } finally {
      clearInterval(timer);
      await ghost.membership.leave('ghost', 1000);
      await ghost.close();
    }
  });

  it('while Redis is unreachable an upgrade is refused with 503 unavailable; admitted again once it is back', async () => {
    await redis.kill();
    await waitFor(() => fetch(n1.http('/api/v1/realtime/health'), { headers: { connection: 'close' } }).then((r) => r.status), (s) => s === 503, { ...WAIT, what: 'n1 not ready' });
    const refused = await withTimeout(
      n1.connect({ token: await token({ sub: 'late' }) }).then(
        () => undefined,
        (err: { status?: number; body?: string }) => err,
      ),
      { ...WAIT, what: 'the upgrade answered' },
    );
    assert.equal(refused?.status, 503);
    assert.deepEqual(JSON.parse(refused!.body!), { code: 'unavailable', message: 'the cluster engine is unreachable: connection counts cannot be checked; retry', temporary: true, retry_after_ms: 1000 });
    // Redis back (empty): the node is ready again and admits.
    await redis.restart();
    await waitFor(() => fetch(n1.http('/api/v1/realtime/health'), { headers: { connection: 'close' } }).then((r) => r.status), (s) => s === 200, { ...WAIT, what: 'n1 ready again' });
    await connect(n1, 'late');
  });
});
