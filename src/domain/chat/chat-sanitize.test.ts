// PROTOCOL.md §10 Chat: messages are sanitized (no markup reaches another
// client) and at most 4,000 characters: the characters the sender wrote, so
// the escaping of an `&` does not count against them; and no part of a
// message reaches the others with markup (its type, metadata, client_msg_id).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, startTestNode, token, type TestNode } from '../../testkit/node.ts';
import { restClient } from '../../testkit/commerce.ts';
import { withTimeout } from '../../testkit/wait.ts';

let node: TestNode;
let rest: ReturnType<typeof restClient>;
const T = { timeout: 60_000 };

before(async () => {
  node = await startTestNode({ gateway: { messagesPerSecond: 1000 } });
  rest = restClient(node.http);
});
after(async () => {
  await node.stop();
});

const tok = (sub: string): Promise<string> => token({ sub, roles: ['customer'] });

async function newRoom(creator: string, others: string[]): Promise<{ id: string; channel: string }> {
  const r = await rest.post('chat/rooms', { type: 'group', participants: others.map((user_id) => ({ user_id })) }, await tok(creator));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

test('a 4,000-character message with "&" in it is accepted over REST and the frame; 4,001 is not', T, async () => {
  const room = await newRoom('amp-a', ['amp-b']);
  const msg = 'a'.repeat(3995) + ' & b.';
  assert.equal([...msg].length, 4000);
  const viaRest = await rest.post(`chat/rooms/${room.id}/messages`, { message: msg }, await tok('amp-a'));
  assert.equal(viaRest.status, 201, JSON.stringify(viaRest.body).slice(0, 300));
  const c = await connectAs(node, 'amp-a');
  try {
    const frame = await c.request({ type: 'send_message', channel: room.channel, message: msg });
    assert.equal(frame.type, 'reply', JSON.stringify(frame).slice(0, 300));
    assert.equal((await c.request({ type: 'send_message', channel: room.channel, message: `${msg}!` })).code, 'bad_request', '4,001 characters');
  } finally {
    await c.close();
  }
});

test('no markup reaches another participant: not in the message type, the metadata (keys too) or the client_msg_id', T, async () => {
  const room = await newRoom('mk-a', ['mk-b']);
  const bob = await connectAs(node, 'mk-b');
  try {
    assert.equal((await bob.request({ type: 'join_channel', channels: [room.channel] })).type, 'channels_joined');
    const sent = await rest.post(
      `chat/rooms/${room.id}/messages`,
      { message: 'hello', message_type: '<img src=x>offer', metadata: { note: '<script>alert(1)</script>ok', '<b>k</b>': ['<i>x</i>', 2], order_id: 'HT-1' }, client_msg_id: '<b>c1</b>' },
      await tok('mk-a'),
    );
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const ev = await withTimeout(bob.next((f) => f.type === 'event' && f.id === sent.body.id), { what: 'the message event' });
    const listed = (await rest.get(`chat/rooms/${room.id}/messages?limit=1`, await tok('mk-b'))).body.messages[0];
    for (const [where, v] of [['event', ev.data], ['listing', listed]] as const) assert.equal(/<[a-z/]/i.test(JSON.stringify(v)), false, `${where}: ${JSON.stringify(v)}`);
    const data = ev.data as { message_type: string; metadata: Record<string, unknown>; client_msg_id: string };
    assert.deepEqual([data.message_type, data.metadata, data.client_msg_id], ['offer', { note: 'ok', k: ['x', 2], order_id: 'HT-1' }, 'c1']);
  } finally {
    await bob.close();
  }
});

test('a room`s metadata is its three members: another one is refused with 400, not dropped without a word', T, async () => {
  const body = { type: 'group', participants: [{ user_id: 'md-b' }] };
  const ok = await rest.post('chat/rooms', { ...body, metadata: { order_id: 'HT-9', priority: 'high' } }, await tok('md-a'));
  assert.deepEqual([ok.status, ok.body.metadata], [201, { order_id: 'HT-9', priority: 'high' }]);
  const extra = await rest.post('chat/rooms', { ...body, metadata: { order_id: 'HT-9', shop: 'Dhaka' } }, await tok('md-a'));
  assert.deepEqual([extra.status, extra.body.code], [400, 'bad_request'], JSON.stringify(extra.body));
});

test('chat REST bodies are strict like every REST body: an unknown member is 400, not dropped', T, async () => {
  const room = await newRoom('st-a', ['st-b']);
  const a = await tok('st-a');
  for (const [path, body] of [
    ['chat/rooms', { type: 'group', participants: [{ user_id: 'st-b' }], colour: 'red' }],
    ['chat/rooms', { type: 'group', participants: [{ user_id: 'st-b', nickname: 'b' }] }],
    [`chat/rooms/${room.id}/messages`, { message: 'hi', urgent: true }],
  ] as const) {
    const r = await rest.post(path, body, a);
    assert.deepEqual([r.status, r.body.code], [400, 'bad_request'], `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
  }
  const read = await rest.put(`chat/rooms/${room.id}/read`, { offset: 0, extra: 1 }, a);
  assert.equal(read.status, 400);
});
