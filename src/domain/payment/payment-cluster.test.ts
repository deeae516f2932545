// Payment webhook duplicates across nodes and a failover (PROTOCOL.md §10):
// two real nodes over a real redis-server. The payment actor of
// `provider:payment_id` is the one memory of a processed payment, whichever
// node the provider calls, and it survives the death of the node that held it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../../testkit/redis-server.ts';
import { actorOwner, startTestCluster, type ClusterNode } from '../../testkit/cluster.ts';
import { token } from '../../testkit/node.ts';
import { postWebhook } from '../../testkit/webhooks.ts';
import { waitFor, withTimeout } from '../../testkit/wait.ts';
import { TestClient, type Frame } from '../../testkit/ws-client.ts';
import { paymentAddress } from './messages.ts';

const ALIVE = ['n1', 'n2'];
const SECRET = 'bkash-cluster-secret';
const base = (n: ClusterNode): string => `http://127.0.0.1:${n.proc.port}`;

/** A payment id whose actor `owner` holds among ALIVE. */
function paymentOwnedBy(owner: string, prefix: string): string {
  for (let i = 0; ; i++) if (actorOwner(paymentAddress('bkash', `${prefix}${i}`), ALIVE) === owner) return `${prefix}${i}`;
}

test('a repeated payment_id is a duplicate on every node, under concurrent calls and after the node holding it is killed', { timeout: 90_000 }, async () => {
  const redis = await startRedisServer();
  try {
    const cluster = await startTestCluster(redis.url, ALIVE, { HAAT_WEBHOOK_SECRET_BKASH: SECRET });
    try {
      const n1 = cluster.node('n1');
      const n2 = cluster.node('n2');
      const order = 'o-clu-1';
      const channel = `order:${order}`;
      // The buyer's device is on the survivor.
      const buyer = await TestClient.connect(n1.url({ token: await token({ sub: 'buyer-clu', roles: ['customer'], channels: [channel] }) }));
      assert.equal((await buyer.request({ type: 'join_channel', channels: [channel] })).type, 'channels_joined');
      const call = (n: ClusterNode, payment_id: string, status = 'success') =>
        postWebhook(base(n), 'bkash', { secret: SECRET, body: { payment_id, order_id: order, user_id: 'buyer-clu', amount: 2500, status } });

      // Held by n2, called on n1 first, then on n2.
      const held = paymentOwnedBy('n2', 'TRX-N2-');
      assert.deepEqual((await call(n1, held)).body, { ok: true, duplicate: false });
      assert.deepEqual((await call(n2, held)).body, { ok: true, duplicate: true });
      assert.deepEqual((await call(n1, held, 'failed')).body, { ok: true, duplicate: true });

      // Concurrent calls of a new payment on both nodes: exactly one is processed.
      const raced = paymentOwnedBy('n1', 'TRX-RACE-');
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => call(i % 2 === 0 ? n1 : n2, raced)));
      assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers));
      assert.equal(answers.filter((a) => a.body.duplicate === false).length, 1, JSON.stringify(answers));

      // Everything published so far has arrived (so the kill does not race a publish in flight).
      const paymentIds = (type: string): string[] => buyer.frames.filter((f) => f.type === type && f.event_type !== 'message').map((f) => (f.data as { payment_id: string }).payment_id);
      await waitFor(() => [paymentIds('event'), paymentIds('notification')], ([e, n]) => e!.length === 2 && n!.length === 2, { what: 'the first two events and notifications' });

      // The node holding the first payment dies; its actor comes back on n1 from the engine
      // (and sends its outbox again, which the channel and the user actor drop as seen).
      n2.proc.child.kill('SIGKILL');
      await cluster.waitForRing('n1', ['n1'], 15_000);
      const afterKill = await waitFor(
        () => call(n1, held),
        (a) => a.status !== 503,
        { timeoutMs: 15_000, what: 'an answer from the new owner' },
      );
      assert.deepEqual(afterKill, { status: 200, body: { ok: true, duplicate: true } });

      // A marker payment: once its event and notification are here, any repeat of the others would be too.
      const marker = paymentOwnedBy('n1', 'TRX-MARK-');
      assert.deepEqual((await call(n1, marker)).body, { ok: true, duplicate: false });
      const isMarker = (f: Frame): boolean => (f.data as { payment_id?: string } | undefined)?.payment_id === marker;
      await withTimeout(buyer.next((f) => f.type === 'event' && isMarker(f)), { what: 'the marker event' });
      const events = buyer.events(channel);
      assert.deepEqual(
        events.map((e) => (e.data as { payment_id: string }).payment_id),
        [held, raced, marker],
      );
      assert.deepEqual(
        events.map((e) => e.offset),
        [1, 2, 3],
      );
      await withTimeout(buyer.next((f) => f.type === 'notification' && isMarker(f)), { what: 'the marker notification' });
      const notes = buyer.frames.filter((f) => f.type === 'notification' && f.notification_type === 'payment_status_update');
      assert.deepEqual(
        notes.map((f) => (f.data as { payment_id: string }).payment_id),
        [held, raced, marker],
      );
      await buyer.close();
    } finally {
      await cluster.stop();
    }
  } finally {
    await redis.stop();
  }
});
