// Lean mode (PROTOCOL.md §6), black-box: permessage-deflate by hint,
// conflation per key within the window, high events never conflated or
// delayed, strictly increasing offsets, resume with `since`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { metricValue, startTestNode, token, type TestNode } from '../testkit/node.ts';
import { TestClient, type Frame } from '../testkit/ws-client.ts';
import { waitFor } from '../testkit/wait.ts';

let node: TestNode;
let pub: TestClient;
before(async () => {
  // A big send-buffer limit, so that a lean client that stops reading stays busy instead of being closed as a slow consumer.
  node = await startTestNode({ network: { lean: { '2g': { windowMs: 300 }, '3g': { windowMs: 100 } } }, gateway: { maxBackpressureBytes: 256 * 1024 * 1024 } });
  pub = await node.connect({ token: await token({ sub: 'pub', roles: ['publisher'] }) });
});
after(async () => {
  await pub.close();
  await node.stop();
});

const lean = (query: Record<string, string> = {}): Promise<TestClient> => TestClient.connect(node.url({ net: '2g', ...query }), { perMessageDeflate: true });

function offsets(c: TestClient, ch: string): number[] {
  return c.events(ch).map((f) => Number(f.offset));
}

function strictlyIncreasing(xs: number[]): boolean {
  return xs.every((x, i) => i === 0 || x > xs[i - 1]!);
}

async function price(ch: string, productId: string, p: number, priority?: string): Promise<Frame> {
  const data = { product_id: productId, new_price: p };
  const r = await pub.request({ type: 'broadcast_event', channel: ch, event_type: 'product_price_change', data, ...(priority ? { priority } : {}) });
  assert.equal(r.type, 'reply', JSON.stringify(r));
  return r;
}

test('permessage-deflate is negotiated for a 2g connection only, and its frames arrive whole', async () => {
  const slow = await lean();
  const normal = await TestClient.connect(node.url({ net: '4g' }), { perMessageDeflate: true });
  assert.match(slow.ws.extensions, /permessage-deflate/);
  assert.equal(normal.ws.extensions, '');
  assert.deepEqual(slow.frames[0]!.lean, { class: '2g', window_ms: 300, source: 'hint' }, '`authenticated` says the connection is lean');
  assert.equal(normal.frames[0]!.lean, null);
  const pong = await slow.request({ type: 'ping' });
  assert.equal(pong.type, 'pong');
  await Promise.all([slow.close(), normal.close()]);
});

test('a lean connection gets the newest price per product once per window; a normal one gets every event', async () => {
  const ch = 'product:lean-burst';
  const slow = await lean();
  const normal = await node.connect();
  for (const c of [slow, normal]) assert.equal((await c.request({ type: 'join_channel', channels: [ch] })).type, 'channels_joined');
  // Two products on one channel, 50 changes each, sent back to back.
  for (let i = 1; i <= 50; i++) await Promise.all([price(ch, 'a', 100 + i), price(ch, 'b', 200 + i)]);
  const last = await price(ch, 'a', 999);
  await normal.next((f) => f.type === 'event' && f.offset === last.offset);
  const got = await slow.next((f) => f.type === 'event' && f.offset === last.offset);
  assert.equal((got.data as { new_price: number }).new_price, 999, 'the newest value is delivered');
  assert.equal(normal.events(ch).length, 101);
  const seen = offsets(slow, ch);
  assert.ok(strictlyIncreasing(seen), `offsets increase: ${seen.join(',')}`);
  assert.ok(seen.length < 101 / 3, `conflated: ${seen.length} of 101 events`);
  // Per product, the newest value of each window is delivered last: b's last price arrives too.
  const bPrices = slow.events(ch).filter((f) => (f.data as { product_id: string }).product_id === 'b').map((f) => (f.data as { new_price: number }).new_price);
  assert.equal(bPrices.at(-1), 250);
  await Promise.all([slow.close(), normal.close()]);
});

test('high events are never conflated nor held for the window, and what was pending goes out before them', async () => {
  const ch = 'product:lean-high';
  const slow = await lean();
  await slow.request({ type: 'join_channel', channels: [ch] });
  const normalOnes: Frame[] = [];
  for (let i = 1; i <= 10; i++) normalOnes.push(await price(ch, 'p', i));
  const highs: Frame[] = [];
  for (let i = 1; i <= 5; i++) highs.push(await price(ch, 'p', 1000 + i, 'high'));
  await slow.next((f) => f.type === 'event' && f.offset === highs.at(-1)!.offset);
  const seen = offsets(slow, ch);
  for (const h of highs) assert.ok(seen.includes(Number(h.offset)), `high event ${h.offset} delivered`);
  assert.ok(strictlyIncreasing(seen), `offsets increase: ${seen.join(',')}`);
  // The newest normal price was flushed ahead of the first high one, not dropped.
  assert.ok(seen.includes(Number(normalOnes.at(-1)!.offset)));
  await slow.close();
});

test('events with no key (chat-like) are not conflated', async () => {
  const ch = 'product:lean-ticks';
  const slow = await TestClient.connect(node.url({ net: '3g' }), { perMessageDeflate: true });
  await slow.request({ type: 'join_channel', channels: [ch] });
  const replies: Frame[] = [];
  for (let i = 0; i < 8; i++) replies.push(await pub.request({ type: 'broadcast_event', channel: ch, event_type: 'tick', data: { i } }));
  await slow.next((f) => f.type === 'event' && f.offset === replies.at(-1)!.offset);
  assert.deepEqual(offsets(slow, ch), replies.map((r) => Number(r.offset)));
  await slow.close();
});

test('a lean connection resumes with since: the missed events are replayed, then live ones follow', async () => {
  const ch = 'product:lean-resume';
  const first = await lean();
  const joined = await first.request({ type: 'join_channel', channels: [ch] });
  const epoch = (joined.channels as { epoch: string }[])[0]!.epoch;
  const r1 = await price(ch, 'p', 1, 'high');
  await first.next((f) => f.type === 'event' && f.offset === r1.offset);
  await first.close();
  const missed = [await price(ch, 'p', 2), await price(ch, 'p', 3)];
  const again = await lean();
  const rejoin = await again.request({ type: 'join_channel', channels: [ch], since: { [ch]: { epoch, offset: r1.offset } } });
  assert.equal((rejoin.channels as { recovered: boolean }[])[0]!.recovered, true);
  await again.next((f) => f.type === 'event' && f.offset === missed[1]!.offset);
  const live = await price(ch, 'p', 4);
  await again.next((f) => f.type === 'event' && f.offset === live.offset);
  assert.deepEqual(offsets(again, ch), [Number(missed[0]!.offset), Number(missed[1]!.offset), Number(live.offset)]);
  await again.close();
});

test('a carrier shortens the heartbeat a connection is told; unknown carriers are ignored', async () => {
  const tele = await node.connect({ carrier: 'teletalk' });
  const other = await node.connect({ carrier: 'nope' });
  assert.equal(tele.frames[0]!.heartbeat_ms, 15_000);
  assert.equal(other.frames[0]!.heartbeat_ms, 25_000);
  await Promise.all([tele.close(), other.close()]);
});

test('low events wait while a lean socket is busy and go out once it drains; nothing older overtakes them', async () => {
  const ch = 'category:lean-busy';
  const slow = await TestClient.connect(node.url({ net: '3g' }), { perMessageDeflate: false });
  await slow.request({ type: 'join_channel', channels: [ch] });
  const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  // Keyless events go out at once: 24 MB of them fill the kernel's buffers and then the socket's own.
  const filler = 'x'.repeat(12_000);
  const fills: Promise<Frame>[] = [];
  for (let i = 0; i < 2000; i++) fills.push(pub.request({ type: 'broadcast_event', channel: ch, event_type: 'bulk', data: { i, filler } }));
  await Promise.all(fills);
  const heldBefore = await metricValue(node, 'haat_lean_low_held_total');
  const low = await pub.request({ type: 'broadcast_event', channel: ch, event_type: 'new_product_added', priority: 'low', data: { product_id: 'n1', title: 'Jamdani saree', price: 4500 } });
  // Held: the window flushes it into a busy socket (100 ms), so the count goes up before the socket reads anything.
  await waitFor(() => metricValue(node, 'haat_lean_low_held_total'), (n) => n > heldBefore, { what: 'the low event to be held' });
  socket.resume();
  const got = await slow.next((f) => f.type === 'event' && f.offset === low.offset);
  assert.equal(got.event_type, 'new_product_added');
  const seen = offsets(slow, ch);
  assert.ok(strictlyIncreasing(seen), 'offsets increase');
  assert.equal(seen.length, 2001, 'every bulk event and the low one, none shed (the link drained before anything newer came)');
  await slow.close();
});
