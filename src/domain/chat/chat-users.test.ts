// Chat with the user actors (PROTOCOL.md §5, §10): a participant who is
// offline gets a `chat_message` notification when they connect, one who is
// connected does not (the message reaches them as the room's event), and the
// room's channel carries the participants' presence changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, startTestNode, token, type TestNode } from '../../testkit/node.ts';
import { restClient } from '../../testkit/commerce.ts';
import { withTimeout } from '../../testkit/wait.ts';
import type { Frame, TestClient } from '../../testkit/ws-client.ts';

let node: TestNode;
let rest: ReturnType<typeof restClient>;

before(async () => {
  node = await startTestNode({ actors: { workers: 2, reminderPollMs: 50 }, users: { offlineGraceMs: 200 }, gateway: { messagesPerSecond: 1000 } });
  rest = restClient(node.http);
});
after(async () => {
  await node.stop();
});

/** Every frame up to the answer of an `ack` of nothing: the user actor handled this connection's `connect` before it. */
async function framesAfterConnect(c: TestClient): Promise<Frame[]> {
  await c.request({ type: 'ack', notification_ids: ['nt_sync'] });
  return [...c.frames];
}

test('an offline participant gets chat_message on connecting; an online one only the event; presence changes reach the room', { timeout: 60_000 }, async () => {
  const [alice, bob, carol] = await Promise.all(['cu-alice', 'cu-bob', 'cu-carol'].map((u) => token({ sub: u, roles: ['customer'] })));
  const room = await rest.post('chat/rooms', { type: 'group', participants: [{ user_id: 'cu-bob' }, { user_id: 'cu-carol' }] }, alice);
  assert.equal(room.status, 201, JSON.stringify(room.body));
  const channel = room.body.channel as string;

  const a = await connectAs(node, 'cu-alice');
  const c = await connectAs(node, 'cu-carol');
  for (const x of [a, c]) assert.equal((await x.request({ type: 'join_channel', channels: [channel] })).type, 'channels_joined');

  // bob is offline; carol is online and subscribed.
  const sent = await a.request({ type: 'send_message', channel, message: 'Is the blue one still in stock?', client_msg_id: 'm1' });
  assert.equal(sent.type, 'reply', JSON.stringify(sent));
  const ev = await withTimeout(c.next((f) => f.type === 'event' && f.event_type === 'message'), { what: 'the message event on carol' });
  assert.equal((ev.data as { message: string }).message, 'Is the blue one still in stock?');
  assert.deepEqual((await framesAfterConnect(c)).filter((f) => f.type === 'notification'), [], 'carol was online: no chat_message');

  // bob connects: the chat_message that waited for him.
  const b = await connectAs(node, 'cu-bob');
  const got = (await framesAfterConnect(b)).filter((f) => f.type === 'notification');
  assert.equal(got.length, 1, JSON.stringify(got));
  assert.equal(got[0]!.notification_type, 'chat_message');
  assert.match(String(got[0]!.message), /blue one/);
  assert.deepEqual((got[0]!.data as { room_id: string }).room_id, room.body.id);

  // The room learns that bob came online (a presence_change event, low priority), and later that he left.
  const online = await withTimeout(a.next((f) => f.type === 'event' && f.event_type === 'presence_change' && (f.data as { user_id: string }).user_id === 'cu-bob' && (f.data as { status: string }).status === 'online'), { what: 'bob online on the room channel' });
  assert.equal(online.priority, 'low');
  await b.close();
  await withTimeout(a.next((f) => f.type === 'event' && f.event_type === 'presence_change' && (f.data as { user_id: string }).user_id === 'cu-bob' && (f.data as { status: string }).status === 'offline'), { what: 'bob offline on the room channel', timeoutMs: 15_000 });
  void bob;
  void carol;
  await Promise.all([a.close(), c.close()]);
});
