// GET admin/cluster and the admin feed. On a single node (memory engine): its
// supervision entries and the actors it holds; in a cluster, each node's
// actors as its heartbeat reports them. In a cluster (two real nodes over a real redis-server):
// an admin subscribed on n1 only receives the snapshots of both nodes on
// admin:stats (n2 learns that an admin watches through the engine's lease),
// each describing its own node, with the cluster's ring in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../testkit/redis-server.ts';
import { actorOwner, connect, startTestCluster, type ClusterNode } from '../testkit/cluster.ts';
import { isoIn, restClient } from '../testkit/commerce.ts';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { TestClient, type Frame } from '../testkit/ws-client.ts';
import { waitFor, withTimeout } from '../testkit/wait.ts';
import type { AdminSnapshot } from './collector.ts';
import type { ClusterView } from '../cluster/cluster.ts';

async function adminCluster(node: TestNode): Promise<ClusterView> {
  const res = await fetch(node.http('/api/v1/realtime/admin/cluster'), { headers: { authorization: `Bearer ${await token({ sub: 'ops', roles: ['admin'] })}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as ClusterView;
}

test('one node: admin/cluster lists its supervision, newest first and bounded', { timeout: 30_000 }, async () => {
  // Two restarts, then the third crash stops the actor; four entries kept of the six.
  const node = await startTestNode({ actors: { restart: { maxRestarts: 2, withinMs: 60_000 } }, cluster: { supervisionMaxLen: 4 } });
  try {
    const BROKEN = 'channel:product:broken';
    // A join whose `since` is null makes the channel actor's handler throw.
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) answers.push(await node.actors.ask(BROKEN, { type: 'join', node: 'probe', since: null }).then(() => 'ok', (e: unknown) => (e as Error).message));
    assert.match(answers[3]!, /stopped/, `the actor crashed until its supervisor stopped it: ${JSON.stringify(answers)}`);
    const view = await adminCluster(node);
    assert.deepEqual(
      view.supervision.map((s) => [s.kind, s.address, s.node]),
      [
        ['stopped', BROKEN, 'n-test'],
        ['crash', BROKEN, 'n-test'],
        ['restart', BROKEN, 'n-test'],
        ['crash', BROKEN, 'n-test'],
      ],
    );
    for (const s of view.supervision) assert.match(s.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+06:00$/);
    assert.match(view.supervision[0]!.detail, /restarts within/);
  } finally {
    await node.stop();
  }
});

test('one node: `actors` counts the actors it holds, up as they start and down as they passivate', { timeout: 30_000 }, async () => {
  const node = await startTestNode({ channels: { idleMs: 1_000 }, actors: { passivateSweepMs: 100 } });
  try {
    const actorsNow = async (): Promise<number> => (await adminCluster(node)).nodes[0]!.actors;
    const before = await actorsNow();
    for (const ch of ['product:a1', 'product:a2', 'product:a3']) await node.actors.ask(`channel:${ch}`, { type: 'info' });
    // Not the messages in flight: none are once the asks are answered.
    assert.equal(await actorsNow(), before + 3, 'three channel actors more');
    await waitFor(actorsNow, (n) => n === before, { what: 'the count back down once the channel actors passivate' });
  } finally {
    await node.stop();
  }
});

test('two nodes: each reports the actors it holds in its heartbeat', { timeout: 90_000 }, async () => {
  const redis = await startRedisServer();
  try {
    const cluster = await startTestCluster(redis.url, ['n1', 'n2']);
    try {
      const admin = await token({ sub: 'ops', roles: ['admin'] });
      const actorsBy = async (n: ClusterNode): Promise<Record<string, number>> => {
        const view = (await (await fetch(n.http('admin/cluster'), { headers: { authorization: `Bearer ${admin}` } })).json()) as ClusterView;
        return Object.fromEntries(view.nodes.map((x) => [x.id, x.actors]));
      };
      const before = await actorsBy(cluster.node('n1'));
      // Three sales whose actors n2 owns, created through n1.
      const ids: string[] = [];
      for (let i = 0; ids.length < 3; i++) if (actorOwner(`sale:count-s${i}`, ['n1', 'n2']) === 'n2') ids.push(`count-s${i}`);
      const rest = restClient((path) => `http://127.0.0.1:${cluster.node('n1').proc.port}${path}`);
      for (const id of ids) assert.equal((await rest.post('sales', { id, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000), per_user_limit: 1, hold_s: 600, skus: [{ sku: 'phone', stock: 10 }] }, admin)).status, 201);
      // Seen on n1 as n2's heartbeat reports it.
      const after = await waitFor(() => actorsBy(cluster.node('n1')), (a) => a.n2 === before.n2! + 3, { timeoutMs: 10_000, what: 'n2 to report three actors more' });
      assert.equal(after.n1, before.n1, 'n1 holds none of them');
    } finally {
      await cluster.stop();
    }
  } finally {
    await redis.stop();
  }
});

test('two nodes: an admin on n1 receives both nodes` snapshots, each about its own connections', { timeout: 90_000 }, async () => {
  const redis = await startRedisServer();
  try {
    const cluster = await startTestCluster(redis.url, ['n1', 'n2']);
    try {
      const [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
      const phone = await TestClient.connect(n2.url({ token: await token({ sub: 'shopper', roles: ['customer'] }), net: '3g', carrier: 'robi', device: 'android' }));
      const admin = await connect(n1, { sub: 'ops', roles: ['admin'] });
      const joined = await admin.request({ type: 'join_channel', channels: ['admin:stats'] });
      assert.deepEqual(joined.denied, []);
      const snapshotOf = (node: string) => (f: Frame): boolean => f.type === 'event' && f.channel === 'admin:stats' && (f.data as AdminSnapshot).node === node;
      const [fromN1, fromN2] = await withTimeout(Promise.all([admin.next(snapshotOf('n1')), admin.next(snapshotOf('n2'))]), { timeoutMs: 15_000, what: 'a snapshot from each node' });
      const s1 = fromN1.data as AdminSnapshot;
      const s2 = fromN2.data as AdminSnapshot;
      assert.equal(fromN1.event_type, 'admin_stats');
      assert.equal(s1.connections.total, 1, 'n1: the admin');
      assert.equal(s2.connections.total, 1, 'n2: the phone');
      assert.deepEqual(s2.connections.by_net, { '3g': 1 });
      assert.equal(s2.analytics.by_carrier.robi!.connections, 1);
      assert.equal(s2.analytics.by_net['3g']!.connections, 1);
      assert.equal(s1.analytics.by_carrier.robi!.connections, 0, 'each node its own connections');
      assert.equal(s2.connections.lean['3g'], 1, 'a 3g hint is lean');
      assert.deepEqual(s2.cluster.nodes.map((n) => n.id).sort(), ['n1', 'n2']);
      assert.notEqual(s2.cluster.ring_epoch, null);
      // A non-admin may not join the channel (PROTOCOL.md §3).
      const denied = await phone.request({ type: 'join_channel', channels: ['admin:stats'] });
      assert.deepEqual((denied.denied as { channel: string; code: string }[]).map((d) => [d.channel, d.code]), [['admin:stats', 'forbidden']]);
      await Promise.all([admin.close(), phone.close()]);
    } finally {
      await cluster.stop();
    }
  } finally {
    await redis.stop();
  }
});
