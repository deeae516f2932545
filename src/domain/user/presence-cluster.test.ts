// Presence and notifications on two real nodes over a real redis-server
// (PROTOCOL.md §5, §10): devices on both nodes count for one user, a
// notification reaches a device on another node than the user actor's, and
// when a node is killed with SIGKILL its devices leave presence within 10 s
// (no ghosts), while the user's devices on the survivor stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../../testkit/redis-server.ts';
import { token } from '../../testkit/node.ts';
import { actorOwner, connect, startTestCluster } from '../../testkit/cluster.ts';
import { restClient } from '../../testkit/commerce.ts';
import { waitFor, withTimeout } from '../../testkit/wait.ts';

const ALIVE = ['n1', 'n2'];

/** A user id whose actor n2 owns (so that n1's devices are remote to it, and n2 survives the kill of n1). */
function userOwnedBy(owner: string, prefix: string): string {
  for (let i = 0; ; i++) if (actorOwner(`user:${prefix}${i}`, ALIVE) === owner) return `${prefix}${i}`;
}

test('two nodes: multi-device presence, cross-node delivery, and no ghost after kill -9', { timeout: 90_000 }, async () => {
  const redis = await startRedisServer();
  try {
    const cluster = await startTestCluster(redis.url, ALIVE);
    try {
      const [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
      const rest = restClient((path) => `http://127.0.0.1:${n2.proc.port}${path}`);
      const viewer = await token({ sub: 'viewer', roles: ['customer'] });
      const publisher = await token({ sub: 'pub', roles: ['publisher'] });
      const both = userOwnedBy('n2', 'both-');
      const only1 = userOwnedBy('n2', 'only1-');

      const onN1 = await connect(n1, { sub: both, roles: ['customer'] });
      const onN2 = await connect(n2, { sub: both, roles: ['customer'] });
      const lonely = await connect(n1, { sub: only1, roles: ['customer'] });
      await waitFor(() => rest.get(`presence/${both}`, viewer), (r) => r.body.devices === 2, { what: 'two devices on two nodes' });
      await waitFor(() => rest.get(`presence/${only1}`, viewer), (r) => r.body.status === 'online', { what: 'the n1-only user online' });

      // A notification from REST on n2, to a user whose actor is on n2, reaches the device on n1 too.
      const post = await rest.post('notifications', { user_ids: [both], notification_type: 'order_status_update', params: { order_id: 'HT-7', status: 'shipped' } }, publisher);
      assert.equal(post.status, 202, JSON.stringify(post.body));
      for (const c of [onN1, onN2]) {
        const f = await withTimeout(c.next((x) => x.type === 'notification'), { what: 'notification on each device' });
        assert.equal(f.id, post.body.notifications[0].id);
      }

      n1.proc.child.kill('SIGKILL');
      const killedAt = Date.now();
      await n1.proc.exited;
      const ghostless = await waitFor(() => rest.get(`presence/${both}`, viewer), (r) => r.body.devices === 1, { timeoutMs: 15_000, what: 'the dead node`s device gone' });
      assert.equal(ghostless.body.status, 'online', 'the device on the survivor keeps the user online');
      await waitFor(() => rest.get(`presence/${only1}`, viewer), (r) => r.body.status === 'offline', { timeoutMs: 15_000, what: 'the n1-only user offline' });
      const took = Date.now() - killedAt;
      assert.ok(took <= 10_000, `ghost for ${took} ms (at most 10 s)`);
      void lonely;
      await onN2.close();
    } finally {
      await cluster.stop();
    }
  } finally {
    await redis.stop();
  }
});
