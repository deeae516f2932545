// join_channel / leave_channel races on one connection, black-box.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import type { TestClient } from '../testkit/ws-client.ts';

let node: TestNode;
let pubToken: string;
before(async () => {
  node = await startTestNode({ gateway: { maxChannels: 3 } });
  pubToken = await token({ sub: 'pub', roles: ['publisher'] });
});
after(async () => {
  await node.stop();
});

/** Sends the frames in one TCP write, so the server reads them in one go, before any actor answers. */
function sendTogether(c: TestClient, frames: object[]): void {
  const socket = (c.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
  socket.cork();
  for (const f of frames) c.ws.send(JSON.stringify(f));
  socket.uncork();
}

function channelsOf(c: TestClient): number {
  const session = c.frames[0]!.session_id;
  const row = node.gateway.listConnections(0, 500).items.find((i) => (i as { session_id: string }).session_id === session) as { channels: number } | undefined;
  assert.ok(row, 'the connection is listed');
  return row.channels;
}

test('a leave_channel while the join of that channel is in flight: not subscribed, no events of it', { timeout: 15_000 }, async () => {
  const ch = 'product:left-early';
  const c = await node.connect();
  const witness = await node.connect();
  await witness.request({ type: 'join_channel', channels: [ch] });
  const pub = await node.connect({ token: pubToken });
  sendTogether(c, [
    { type: 'join_channel', ref: 'j', channels: [ch] },
    { type: 'leave_channel', ref: 'l', channels: [ch] },
  ]);
  const left = await c.next((f) => f.ref === 'l');
  const joined = await c.next((f) => f.ref === 'j');
  assert.deepEqual(left.channels, [ch], 'the join in flight is left');
  assert.deepEqual(joined.channels, [], 'and the join does not report it joined');
  assert.deepEqual(joined.denied, []);
  assert.equal(channelsOf(c), 0);
  assert.equal(node.gateway.channelSubscribers.get(ch), 1, 'only the witness is subscribed');
  const reply = await pub.request({ type: 'broadcast_event', channel: ch, event_type: 'tick', data: { n: 1 } });
  assert.equal(reply.type, 'reply');
  // The witness got the event from the same topic publish; a round trip on c after that orders the check.
  await witness.next((f) => f.type === 'event' && f.channel === ch);
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');
  assert.deepEqual(c.events(ch), []);
  await Promise.all([c.close(), witness.close(), pub.close()]);
});

test('two joins sent back to back never put a connection in more than max_channels channels', { timeout: 15_000 }, async () => {
  const user = 'u-race';
  const c = await node.connect({ token: await token({ sub: user }) });
  const names = ['order:r1', 'order:r2', 'order:r3', 'order:r4'];
  // Channel tokens make each join wait on signature checks between its channels.
  const tokens = Object.fromEntries(await Promise.all(names.map(async (ch) => [ch, await token({ sub: user, channel: ch })] as const)));
  sendTogether(c, [
    { type: 'join_channel', ref: 'a', channels: names.slice(0, 2), tokens },
    { type: 'join_channel', ref: 'b', channels: names.slice(2), tokens },
  ]);
  const [a, b] = await Promise.all([c.next((f) => f.ref === 'a'), c.next((f) => f.ref === 'b')]);
  const joined = [...(a.channels as { channel: string }[]), ...(b.channels as { channel: string }[])].map((x) => x.channel);
  const denied = [...(a.denied as { code: string }[]), ...(b.denied as { code: string }[])];
  assert.equal(joined.length, 3, `joined ${joined.join(', ')}`);
  assert.deepEqual(denied.map((d) => d.code), ['channel_limit']);
  assert.equal(channelsOf(c), 3);
  await c.close();
});
