// Order tracking (PROTOCOL.md §3, §3b, §4): order_status_update,
// shipping_update and delivery_confirmation published to `order:{id}` reach
// every device of the buyer (a token whose `channels` claim names the order),
// and a device that was away recovers what it missed with `since`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { restClient } from '../testkit/commerce.ts';
import { withTimeout } from '../testkit/wait.ts';
import type { Frame, TestClient } from '../testkit/ws-client.ts';

let node: TestNode;
let rest: ReturnType<typeof restClient>;
let publisher: string;

before(async () => {
  node = await startTestNode();
  rest = restClient(node.http);
  publisher = await token({ sub: 'order-service', roles: ['publisher'] });
});
after(async () => {
  await node.stop();
});

const CH = 'order:o-500';
const T = { timeout: 30_000 };

async function device(claims: string[]): Promise<TestClient> {
  return node.connect({ token: await token({ sub: 'buyer-500', roles: ['customer'], channels: claims }) });
}

async function broadcast(event_type: string, data: Record<string, unknown>): Promise<number> {
  const res = await rest.post('events/broadcast', { channel: CH, event_type, data }, publisher);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.events[0].offset as number;
}

const nthEvent = (c: TestClient, offset: number): Promise<Frame> => withTimeout(c.next((f) => f.type === 'event' && f.channel === CH && f.offset === offset), { what: `event ${offset} on ${CH}` });

test('order events reach every device of the buyer; a device that reconnects with `since` gets the missed ones, in order, recovered:true', T, async () => {
  const phone = await device([CH]);
  const laptop = await device(['order:*']);
  const joined = await Promise.all([phone, laptop].map((c) => c.request({ type: 'join_channel', channels: [CH] })));
  for (const j of joined) assert.deepEqual((j.channels as { channel: string }[]).map((c) => c.channel), [CH], JSON.stringify(j));
  // Someone else's device (no claim for this order) is denied.
  const stranger = await node.connect({ token: await token({ sub: 'someone', roles: ['customer'] }) });
  const denied = await stranger.request({ type: 'join_channel', channels: [CH] });
  assert.deepEqual((denied.denied as { channel: string; code: string }[]).map((d) => [d.channel, d.code]), [[CH, 'forbidden']]);

  const placed = await broadcast('order_status_update', { order_id: 'o-500', status: 'shipped' });
  const [onPhone, onLaptop] = await Promise.all([nthEvent(phone, placed), nthEvent(laptop, placed)]);
  for (const ev of [onPhone, onLaptop]) {
    assert.equal(ev.event_type, 'order_status_update');
    assert.equal(ev.priority, 'high');
    assert.deepEqual(ev.data, { order_id: 'o-500', status: 'shipped' });
  }
  const epoch = onPhone.epoch as string;

  // The laptop goes away; two events happen meanwhile.
  await laptop.close();
  const shipping = await broadcast('shipping_update', { order_id: 'o-500', status: 'in_transit', carrier: 'Pathao', tracking_id: 'PT-778', location: 'Dhaka hub', eta: '2026-12-08T18:00:00+06:00' });
  const delivered = await broadcast('delivery_confirmation', { order_id: 'o-500', delivered_at: '2026-12-08T17:42:00+06:00', received_by: 'Rahim' });
  assert.deepEqual([shipping, delivered], [placed + 1, placed + 2]);
  await nthEvent(phone, delivered);
  assert.deepEqual(
    phone.events(CH).map((e) => e.event_type),
    ['order_status_update', 'shipping_update', 'delivery_confirmation'],
  );

  const back = await device(['order:*']);
  const from = back.frames.length;
  const rejoined = await back.request({ type: 'join_channel', channels: [CH], since: { [CH]: { epoch, offset: placed } } });
  assert.deepEqual(rejoined.channels, [{ channel: CH, epoch, offset: delivered, recovered: true }]);
  await nthEvent(back, delivered);
  const replayed = back.frames.slice(from).filter((f) => f.type === 'event' || f.type === 'channels_joined');
  assert.deepEqual(
    replayed.map((f) => (f.type === 'event' ? [f.offset, f.event_type] : f.type)),
    ['channels_joined', [shipping, 'shipping_update'], [delivered, 'delivery_confirmation']],
  );
  assert.deepEqual(replayed[1]!.data, { order_id: 'o-500', status: 'in_transit', carrier: 'Pathao', tracking_id: 'PT-778', location: 'Dhaka hub', eta: '2026-12-08T18:00:00+06:00' });
  assert.deepEqual(replayed[2]!.data, { order_id: 'o-500', delivered_at: '2026-12-08T17:42:00+06:00', received_by: 'Rahim' });

  // Live again: the next event reaches both devices once.
  const returned = await broadcast('order_status_update', { order_id: 'o-500', status: 'returned' });
  await Promise.all([nthEvent(phone, returned), nthEvent(back, returned)]);
  assert.equal(back.events(CH).length, 3);
  await Promise.all([phone.close(), back.close(), stranger.close()]);
});

test('order events are checked on publish: a missing or wrong field is bad_request naming it', T, async () => {
  for (const [event_type, data, field] of [
    ['order_status_update', { order_id: 'o-500', status: 'lost' }, 'data.status'],
    ['shipping_update', { order_id: 'o-500' }, 'data.status'],
    ['delivery_confirmation', { order_id: 'o-500', delivered_at: 'yesterday' }, 'data.delivered_at'],
    ['payment_status_update', { order_id: 'o-500', payment_id: 'p', provider: 'bkash', amount: 1.001, status: 'success' }, 'data.amount'],
  ] as const) {
    const res = await rest.post('events/broadcast', { channel: CH, event_type, data }, publisher);
    assert.deepEqual([res.status, res.body.code], [400, 'bad_request'], event_type);
    assert.ok(res.body.message.includes(field), res.body.message);
  }
});
