// §3b over the wire: the seed's event types are checked after the right to publish.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../../testkit/node.ts';
import { restClient } from '../../testkit/commerce.ts';
import { checkClientEvent, defaultPriority } from './event-schemas.ts';
import { withTimeout } from '../../testkit/wait.ts';

let node: TestNode;
before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.stop();
});

test('a missing or mistyped required field is bad_request naming it; extra fields are kept; free-form types pass', () => {
  assert.match(checkClientEvent('product', 'product_price_change', { new_price: 10 })!.message, /data\.product_id/);
  assert.match(checkClientEvent('product', 'product_price_change', { product_id: 'p', new_price: '10' })!.message, /data\.new_price/);
  assert.match(checkClientEvent('product', 'product_price_change', { product_id: 'p', new_price: 10.001 })!.message, /two decimals/);
  assert.equal(checkClientEvent('product', 'product_price_change', { product_id: 'p', new_price: 10.5, colour: 'red' }), undefined);
  assert.match(checkClientEvent('order', 'order_status_update', { order_id: 'o', status: 'lost' })!.message, /data\.status/);
  assert.match(checkClientEvent('order', 'delivery_confirmation', { order_id: 'o', delivered_at: '2026-11-24 21:00' })!.message, /data\.delivered_at/);
  assert.match(checkClientEvent('product', 'order_status_update', { order_id: 'o', status: 'placed' })!.message, /order: channels/);
  assert.equal(checkClientEvent('sale', 'product_stock_update', { sale_id: 's', sku: 'k', available: 1, reserved: 0, sold: 0 }), undefined, '§8 data on sale:');
  assert.match(checkClientEvent('sale', 'product_stock_update', { product_id: 'p', stock: 1 })!.message, /data\.sale_id/);
  assert.equal(checkClientEvent('auction', 'bid_placed', {})!.code, 'forbidden');
  assert.equal(checkClientEvent('product', 'anything_else', 'free'), undefined);
});

test('over the wire: forbidden before bad_request, default priorities of §3b, REST too', async () => {
  const publisher = await token({ sub: 'p', roles: ['publisher'] });
  const customer = await node.connect({ token: await token({ sub: 'c', roles: ['customer'] }) });
  const pub = await node.connect({ token: publisher });
  const sub = await node.connect({ token: await token({ sub: 'o', roles: ['customer'], channels: ['order:o1'] }) });
  const joined = await sub.request({ type: 'join_channel', channels: ['order:o1'] });
  assert.deepEqual(joined.denied, [], JSON.stringify(joined));
  assert.equal((await customer.request({ type: 'broadcast_event', channel: 'order:o1', event_type: 'order_status_update', data: {} })).code, 'forbidden', 'no right: forbidden, whatever the data');
  assert.equal((await pub.request({ type: 'broadcast_event', channel: 'order:o1', event_type: 'order_status_update', data: {} })).code, 'bad_request');
  assert.equal((await pub.request({ type: 'broadcast_event', channel: 'auction:a1', event_type: 'bid_placed', data: {} })).code, 'forbidden');
  const ok = await pub.request({ type: 'broadcast_event', channel: 'order:o1', event_type: 'order_status_update', data: { order_id: 'o1', status: 'shipped' } });
  assert.equal(ok.type, 'reply');
  const ev = await withTimeout(sub.next((f) => f.type === 'event' && f.id === ok.id), { what: 'the event on order:o1' });
  assert.equal(ev.priority, 'high', 'the default priority of order_status_update');
  const rest = restClient(node.http);
  const bad = await rest.post('events/broadcast', { channel: 'order:o1', event_type: 'payment_status_update', data: { order_id: 'o1' } }, publisher);
  assert.deepEqual([bad.status, bad.body.code], [400, 'bad_request']);
  assert.match(bad.body.message, /data\.payment_id/);
  await Promise.all([customer.close(), pub.close(), sub.close()]);
});

test('defaultPriority: the seed table, else normal, also for names on Object.prototype', () => {
  assert.equal(defaultPriority('order_status_update'), 'high');
  assert.equal(defaultPriority('new_product_added'), 'low');
  assert.equal(defaultPriority('price_update'), 'normal');
  for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) assert.equal(defaultPriority(name), 'normal', name);
});

test('over the wire: an event type named like an Object.prototype member (toString) goes out at normal priority, not as a 500', async () => {
  const publisher = await token({ sub: 'p', roles: ['publisher'] });
  const sub = await node.connect({ token: await token({ sub: 'o2', roles: ['customer'] }) });
  await sub.request({ type: 'join_channel', channels: ['product:fz2'] });
  const rest = restClient(node.http);
  const res = await rest.post('events/broadcast', { channel: 'product:fz2', event_type: 'toString', data: { product_id: 'fz2' } }, publisher);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const ev = await withTimeout(sub.next((f) => f.type === 'event' && f.event_type === 'toString'), { what: 'the toString event' });
  assert.equal(ev.priority, 'normal');
  const pub = await node.connect({ token: publisher });
  const ws = await pub.request({ type: 'broadcast_event', channel: 'product:fz2', event_type: 'constructor', data: {} });
  assert.equal(ws.type, 'reply', JSON.stringify(ws));
  await Promise.all([sub.close(), pub.close()]);
});
