// Regression (found by the REST fuzz test, whose node logged "store write of a
// user actor effect failed: notification chat_r_..._1 exists"): every offline
// participant's chat_message notification had the same id (room and offset),
// so only the first recipient's record reached the store. Ids are per
// recipient now, and each participant's record is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token } from '../../testkit/node.ts';
import { waitFor } from '../../testkit/wait.ts';

test('a chat message to a room of three stores a chat_message notification for each of the two other participants', async () => {
  const node = await startTestNode();
  try {
    const alice = await token({ sub: 'cn-alice', roles: ['customer'] });
    const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(node.http(`/api/v1/realtime/${path}`), { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.ok(res.status === 201, `${path}: ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const room = await call('chat/rooms', { type: 'group', participants: [{ user_id: 'cn-bob' }, { user_id: 'cn-carol' }] });
    await call(`chat/rooms/${String(room.id)}/messages`, { message: 'hello both' });
    const stored = await waitFor(
      async () => {
        const [bob, carol] = await Promise.all(['cn-bob', 'cn-carol'].map((u) => node.store.notifications.listByUser(u)));
        return [...bob!.items, ...carol!.items].filter((n) => n.notification_type === 'chat_message');
      },
      (ns) => ns.length >= 2,
      { what: 'both chat_message notifications in the store' },
    );
    assert.deepEqual(stored.map((n) => n.user_id).sort(), ['cn-bob', 'cn-carol']);
    assert.notEqual(stored[0]!.id, stored[1]!.id);
  } finally {
    await node.stop();
  }
});
