// Black-box: a real node on port 0, a plain WebSocket client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { TestClient, type Frame } from '../testkit/ws-client.ts';

let node: TestNode;
before(async () => {
  node = await startTestNode({ gateway: { maxChannels: 3, maxConnectionsPerUser: 2 } });
});
after(async () => {
  await node.stop();
});

const errorOf = (f: Frame): string => (f.type === 'error' ? String(f.code) : `not an error: ${JSON.stringify(f)}`);

test('a guest connects and gets the authenticated frame first, with its limits', async () => {
  const c = await node.connect({ lang: 'bn' });
  const a = c.frames[0]!;
  assert.equal(a.type, 'authenticated');
  assert.equal(a.user_id, null);
  assert.match(String(a.session_id), /^s_/);
  assert.equal(a.node, 'n-test');
  assert.equal(a.lang, 'bn');
  assert.match(String(a.server_time), /\+06:00$/);
  assert.deepEqual(a.limits, { max_frame_bytes: 16384, messages_per_second: 20, max_channels: 3 });
  await c.close();
});

test('a user token sets user_id and lang; publisher tokens get server-side limits', async () => {
  const u = await node.connect({ token: await token({ sub: 'u42', lang: 'bn', roles: ['customer'] }) });
  assert.equal(u.frames[0]!.user_id, 'u42');
  assert.equal(u.frames[0]!.lang, 'bn');
  const p = await TestClient.connect(node.url(), { headers: { authorization: `Bearer ${await token({ sub: 'pub', roles: ['publisher'] })}` } });
  assert.equal((p.frames[0]!.limits as { messages_per_second: number }).messages_per_second, 5000);
  await Promise.all([u.close(), p.close()]);
});

test('a bad or expired token is refused at the upgrade with 401 and a JSON body', async () => {
  for (const t of ['not-a-jwt', await token({ sub: 'u1' }, { secret: 'wrong' }), await token({ sub: 'u1' }, { expiresIn: Math.floor(Date.now() / 1000) - 10 })]) {
    await assert.rejects(node.connect({ token: t }), (e: { status?: number; body?: string }) => {
      assert.equal(e.status, 401);
      assert.equal(JSON.parse(e.body!).code, 'unauthorized');
      return true;
    });
  }
});

test('ping answers pong with the ref; frames without a ref are answered too', async () => {
  const c = await node.connect();
  const pong = await c.request({ type: 'ping' });
  assert.equal(pong.type, 'pong');
  assert.match(String(pong.server_time), /\+06:00$/);
  c.sendRaw('{"type":"ping"}');
  const bare = await c.next((f) => f.type === 'pong' && f.ref === undefined);
  assert.equal(bare.ref, undefined);
  await c.close();
});

test('bad JSON, unknown types, missing fields: the right codes, and the connection lives on', async () => {
  const c = await node.connect();
  c.sendRaw('{nope');
  assert.equal(errorOf(await c.next((f) => f.type === 'error')), 'bad_request');
  const unknown = await c.request({ type: 'teleport' });
  assert.equal(errorOf(unknown), 'unknown_type');
  assert.equal(unknown.temporary, false);
  // Names of Object's own members are unknown types too, not a crash of the frame handler.
  assert.equal(errorOf(await c.request({ type: 'constructor' })), 'unknown_type');
  assert.equal(errorOf(await c.request({ type: '__proto__' })), 'unknown_type');
  const missing = await c.request({ type: 'broadcast_event', channel: 'product:p1' });
  assert.equal(errorOf(missing), 'bad_request');
  assert.match(String(missing.message), /event_type/);
  c.sendRaw(Buffer.from([1, 2, 3]));
  const binary = await c.next((f) => f.type === 'error' && /binary/.test(String(f.message)));
  assert.equal(binary.code, 'bad_request');
  assert.equal(binary.ref, undefined);
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');
  const errors = c.frames.filter((f) => f.type === 'error').map((f) => f.code);
  assert.deepEqual(errors, ['bad_request', 'unknown_type', 'unknown_type', 'unknown_type', 'bad_request', 'bad_request'], 'one answer per bad frame, the binary one last');
  await c.close();
});

test('members a frame type does not know are ignored; a known member of the wrong type is bad_request', { timeout: 10_000 }, async () => {
  const c = await node.connect();
  assert.equal((await c.request({ type: 'ping', from_a_newer_client: { x: 1 } })).type, 'pong');
  const joined = await c.request({ type: 'join_channel', channels: ['product:fc'], since: { 'product:fc': { epoch: 'e', offset: 0, hint: 'later' } }, qos: 2 });
  assert.equal(joined.type, 'channels_joined');
  assert.deepEqual((joined.channels as { channel: string }[]).map((x) => x.channel), ['product:fc']);
  assert.equal(errorOf(await c.request({ type: 'join_channel', channels: 'product:fc' })), 'bad_request');
  assert.equal(errorOf(await c.request({ type: 'join_channel', channels: ['product:fc'], since: { 'product:fc': { epoch: 'e', offset: -1 } } })), 'bad_request');
  assert.equal(errorOf(await c.request({ type: 'broadcast_event', channel: 'product:fc', event_type: 'x', data: {}, priority: 'urgent' })), 'bad_request');
  await c.close();
});

test('a frame over max_frame_bytes gets too_large and the connection stays; over 4x it closes with 1009', async () => {
  const c = await node.connect();
  c.sendRaw(JSON.stringify({ type: 'ping', ref: 1, pad: 'x'.repeat(20_000) }));
  const e = await c.next((f) => f.type === 'error');
  assert.equal(e.code, 'too_large');
  assert.equal(e.ref, undefined, 'the ref of an oversize frame is not trusted');
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');
  c.sendRaw('x'.repeat(16384 * 4 + 10));
  assert.equal((await c.closed).code, 1009);
});

test('over the message rate a request gets rate_limited with retry_after_ms', async () => {
  const c = await node.connect();
  const answers = await Promise.all(Array.from({ length: 60 }, () => c.request({ type: 'ping' })));
  const limited = answers.filter((f) => f.type === 'error');
  assert.ok(limited.length > 0 && limited.length <= 60 - 40, `burst of 40 passes, the rest is limited (${limited.length})`);
  for (const f of limited) {
    assert.equal(f.code, 'rate_limited');
    assert.equal(f.temporary, true);
    assert.ok(Number(f.retry_after_ms) > 0);
  }
  await c.close();
});

test('a client that keeps flooding is closed with 4008', async () => {
  const c = await node.connect();
  for (let i = 0; i < 1200; i++) c.sendRaw('{"type":"ping"}');
  assert.equal((await c.closed).code, 4008);
});

test('channel ACL of §3', async () => {
  const guest = await node.connect();
  const user = await node.connect({ token: await token({ sub: 'u7', roles: ['customer'] }) });
  const admin = await node.connect({ token: await token({ sub: 'boss', roles: ['admin'] }) });
  const denied = async (c: TestClient, channel: string): Promise<string | undefined> => {
    const r = await c.request({ type: 'join_channel', channels: [channel] });
    assert.equal(r.type, 'channels_joined');
    const d = (r.denied as { channel: string; code: string }[]).find((x) => x.channel === channel);
    if (!d) await c.request({ type: 'leave_channel', channels: [channel] });
    return d?.code;
  };
  for (const ch of ['product:p1', 'category:c1', 'auction:a1', 'sale:s1', 'promo:x']) assert.equal(await denied(guest, ch), undefined, ch);
  assert.equal(await denied(guest, 'user:u7'), 'forbidden');
  assert.equal(await denied(user, 'user:u7'), undefined);
  assert.equal(await denied(user, 'user:u8'), 'forbidden');
  assert.equal(await denied(admin, 'user:u7'), 'forbidden', 'user channels are that user only');
  assert.equal(await denied(user, 'order:o1'), 'forbidden');
  assert.equal(await denied(user, 'admin:ops'), 'forbidden');
  assert.equal(await denied(admin, 'admin:ops'), undefined);
  assert.equal(await denied(guest, 'order:o1'), 'forbidden');
  assert.equal(await denied(user, 'nope:x'), 'bad_request');
  assert.equal(await denied(user, 'product:bad id'), 'bad_request');
  await Promise.all([guest.close(), user.close(), admin.close()]);
});

test('order channels: the token`s channels claim, or a channel token for that user and channel', async () => {
  const claimed = await node.connect({ token: await token({ sub: 'u1', channels: ['order:o1', 'order:bulk-*'] }) });
  const r1 = await claimed.request({ type: 'join_channel', channels: ['order:o1', 'order:bulk-9', 'order:o2'] });
  assert.deepEqual((r1.channels as { channel: string }[]).map((c) => c.channel), ['order:o1', 'order:bulk-9']);
  assert.deepEqual(r1.denied, [{ channel: 'order:o2', code: 'forbidden', message: 'may not join order:o2' }]);
  const u2 = await node.connect({ token: await token({ sub: 'u2' }) });
  const good = await token({ sub: 'u2', channel: 'order:o5' });
  const otherUser = await token({ sub: 'u3', channel: 'order:o6' });
  const r2 = await u2.request({ type: 'join_channel', channels: ['order:o5', 'order:o6', 'order:o7'], tokens: { 'order:o5': good, 'order:o6': otherUser, 'order:o7': 'garbage' } });
  assert.deepEqual((r2.channels as { channel: string }[]).map((c) => c.channel), ['order:o5']);
  assert.deepEqual((r2.denied as { code: string }[]).map((d) => d.code), ['forbidden', 'forbidden']);
  await Promise.all([claimed.close(), u2.close()]);
});

test('the per-connection channel limit answers channel_limit for the channels over it', async () => {
  const c = await node.connect();
  const r = await c.request({ type: 'join_channel', channels: ['product:a', 'product:b', 'product:c', 'product:d'] });
  assert.equal((r.channels as unknown[]).length, 3);
  assert.deepEqual(r.denied, [{ channel: 'product:d', code: 'channel_limit', message: 'at most 3 channels per connection' }]);
  const left = await c.request({ type: 'leave_channel', channels: ['product:a', 'product:zzz'] });
  assert.deepEqual(left, { type: 'channels_left', channels: ['product:a'], ref: left.ref });
  const again = await c.request({ type: 'join_channel', channels: ['product:d'] });
  assert.deepEqual(again.denied, []);
  await c.close();
});

test('broadcast_event: publisher, admin, and a seller on its own product channels only', async () => {
  const sub = await node.connect();
  await sub.request({ type: 'join_channel', channels: ['product:s1-phone'] });
  const seller = await node.connect({ token: await token({ sub: 'seller1', roles: ['seller'], channels: ['product:s1-*'] }) });
  const customer = await node.connect({ token: await token({ sub: 'c1', roles: ['customer'] }) });
  const ok = await seller.request({ type: 'broadcast_event', channel: 'product:s1-phone', event_type: 'product_price_change', data: { product_id: 's1-phone', new_price: 1350 } });
  assert.equal(ok.type, 'reply');
  assert.equal(ok.ok, true);
  assert.equal(ok.offset, 1);
  assert.equal(ok.channel, 'product:s1-phone');
  assert.match(String(ok.id), /^ev_/);
  const ev = await sub.next((f) => f.type === 'event' && f.id === ok.id);
  assert.equal(ev.offset, 1);
  assert.deepEqual(ev.data, { product_id: 's1-phone', new_price: 1350 });
  assert.equal(ev.priority, 'normal');
  assert.equal(errorOf(await seller.request({ type: 'broadcast_event', channel: 'product:other', event_type: 'x', data: {} })), 'forbidden');
  assert.equal(errorOf(await customer.request({ type: 'broadcast_event', channel: 'product:s1-phone', event_type: 'x', data: {} })), 'forbidden');
  assert.equal(errorOf(await seller.request({ type: 'broadcast_event', channel: 'user:c1', event_type: 'x', data: {} })), 'forbidden');
  assert.equal(errorOf(await seller.request({ type: 'broadcast_event', channel: 'bogus', event_type: 'x', data: {} })), 'bad_request');
  await Promise.all([sub.close(), seller.close(), customer.close()]);
});

test('send_message on a user channel by a server role: sanitized, idempotent on client_msg_id', async () => {
  const userToken = await token({ sub: 'u9' });
  const user = await node.connect({ token: userToken });
  await user.request({ type: 'join_channel', channels: ['user:u9'] });
  const pub = await node.connect({ token: await token({ sub: 'ops', roles: ['publisher'] }) });
  const frame = { type: 'send_message', channel: 'user:u9', message: '<script>x()</script><b>Your order</b> shipped', client_msg_id: 'm-1' };
  const first = await pub.request(frame);
  const again = await pub.request(frame);
  assert.equal(first.type, 'reply');
  assert.deepEqual({ ...again, ref: first.ref }, first, 'the repeat returns the first reply');
  const ev = await user.next((f) => f.type === 'event' && f.channel === 'user:u9');
  assert.equal(ev.event_type, 'message');
  assert.deepEqual(ev.data, { message: 'Your order shipped', message_type: 'text', metadata: {}, sender_id: 'ops', client_msg_id: 'm-1' });
  await pub.request({ type: 'ping' });
  assert.equal(user.events('user:u9').length, 1, 'published once');
  assert.equal(errorOf(await user.request({ type: 'send_message', channel: 'user:u9', message: 'hi' })), 'forbidden');
  await Promise.all([user.close(), pub.close()]);
});

test('more connections than allowed for one user are closed with 4029', async () => {
  const t = await token({ sub: 'multi' });
  const a = await node.connect({ token: t });
  const b = await node.connect({ token: t });
  const c = await TestClient.open(node.url({ token: t }));
  assert.equal((await c.closed).code, 4029);
  assert.equal(c.frames.length, 0, 'no authenticated frame for a refused connection');
  await a.close();
  // The refused connection did not count: one slot is free again, exactly one.
  const d = await node.connect({ token: t });
  const e = await TestClient.open(node.url({ token: t }));
  assert.equal((await e.closed).code, 4029);
  await Promise.all([b.close(), d.close()]);
});

