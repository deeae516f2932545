// Chat on two real nodes over a real redis-server (PROTOCOL.md §10 Chat):
// the room list, the messages and the room's events are the same whichever
// node a participant is connected to or asks (each node has its own memory
// store here: the room's actor and the users' actors answer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../../testkit/redis-server.ts';
import { token } from '../../testkit/node.ts';
import { connect, startTestCluster } from '../../testkit/cluster.ts';
import { restClient } from '../../testkit/commerce.ts';
import { withTimeout } from '../../testkit/wait.ts';

test('two nodes: a room created on one is listed, joined, written and read on the other', { timeout: 90_000 }, async () => {
  const redis = await startRedisServer();
  try {
    const cluster = await startTestCluster(redis.url, ['n1', 'n2']);
    try {
      const [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
      const on = (n: typeof n1) => restClient((path) => `http://127.0.0.1:${n.proc.port}${path}`);
      const [alice, bob] = await Promise.all([token({ sub: 'cc-alice', roles: ['customer'] }), token({ sub: 'cc-bob', roles: ['customer'] })]);
      const created = await on(n1).post('chat/rooms', { type: 'vendor', participants: [{ user_id: 'cc-bob' }] }, alice);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const room = created.body;

      // Listed for bob on the other node at once (his user actor was told before the answer).
      const listed = await on(n2).get('chat/rooms', bob);
      assert.deepEqual(listed.body.rooms.map((r: { id: string; unread: number }) => [r.id, r.unread]), [[room.id, 0]]);

      const a = await connect(n1, { sub: 'cc-alice', roles: ['customer'] });
      const b = await connect(n2, { sub: 'cc-bob', roles: ['customer'] });
      for (const c of [a, b]) assert.equal((await c.request({ type: 'join_channel', channels: [room.channel] })).type, 'channels_joined');
      const sent = await a.request({ type: 'send_message', channel: room.channel, message: 'Order HT-9 ships today', client_msg_id: 'x1' });
      assert.equal(sent.type, 'reply', JSON.stringify(sent));
      const ev = await withTimeout(b.next((f) => f.type === 'event' && f.event_type === 'message'), { what: 'the message on the other node' });
      assert.equal(ev.offset, sent.offset);

      // Read on n2: the same message at the same offset; bob's unread count, then his read receipt.
      const msgs = await on(n2).get(`chat/rooms/${room.id}/messages`, bob);
      assert.deepEqual(msgs.body.messages.map((m: { offset: number; message: string }) => [m.offset, m.message]), [[sent.offset, 'Order HT-9 ships today']]);
      assert.equal((await on(n2).get('chat/rooms', bob)).body.rooms[0].unread, 1);
      const read = await on(n2).put(`chat/rooms/${room.id}/read`, { offset: sent.offset }, bob);
      assert.deepEqual(read.body, { ok: true, unread: 0 });
      assert.equal((await on(n1).get('chat/rooms', bob)).body.rooms[0].unread, 0, 'the same on the other node');
      await Promise.all([a.close(), b.close()]);
    } finally {
      await cluster.stop();
    }
  } finally {
    await redis.stop();
  }
});
