// Analytics on a running node, black-box: presence and events counted per
// division, carrier and net in GET stats and /metrics; the delivery latency
// (sequencing to the socket write, topic and lean) under light load, its p99
// against DESIGN.md §4's 100 ms; the scaling signal and the ops gauges.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { TestClient } from '../testkit/ws-client.ts';
import { waitFor } from '../testkit/wait.ts';

let node: TestNode;
let pub: TestClient;
let admin: string;
before(async () => {
  node = await startTestNode({ network: { lean: { '2g': { windowMs: 50 }, '3g': { windowMs: 50 } } } });
  pub = await node.connect({ token: await token({ sub: 'pub', roles: ['publisher'] }) });
  admin = await token({ sub: 'ops', roles: ['admin'] });
});
after(async () => {
  await pub.close();
  await node.stop();
});

async function stats(): Promise<Record<string, any>> {
  const res = await fetch(node.http('/api/v1/realtime/stats'), { headers: { authorization: `Bearer ${admin}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, any>;
}

test('presence and events show in GET stats and /metrics by division, carrier and net; delivery p99 under 100 ms at light load', async () => {
  const ch = 'product:analytics-p1';
  const shopper = await node.connect({ token: await token({ sub: 'u-sylhet', roles: ['customer'] }), division: 'sylhet', carrier: 'grameenphone', net: '4g' });
  const slow = await TestClient.connect(node.url({ token: await token({ sub: 'u-khulna', roles: ['customer'] }), division: 'khulna', carrier: 'robi', net: '2g' }), { perMessageDeflate: true });
  for (const c of [shopper, slow]) assert.equal((await c.request({ type: 'join_channel', channels: [ch] })).type, 'channels_joined');
  assert.equal((await shopper.request({ type: 'presence', status: 'online', current_page: '/p/analytics-p1' })).type, 'reply');
  assert.equal((await slow.request({ type: 'presence', status: 'online', shopping_activity: { stage: 'checkout' } })).type, 'reply');

  // Light load: 60 events one after another, high priority so that the lean connection gets each at once.
  let last = 0;
  for (let i = 0; i < 60; i++) {
    const r = await pub.request({ type: 'broadcast_event', channel: ch, event_type: i % 2 ? 'product_view' : 'add_to_cart', data: { product_id: 'analytics-p1', n: i }, priority: 'high' });
    assert.equal(r.type, 'reply', JSON.stringify(r));
    last = Number(r.offset);
  }
  await shopper.next((f) => f.type === 'event' && f.offset === last);
  await slow.next((f) => f.type === 'event' && f.offset === last);

  const s = await stats();
  const a = s.analytics;
  assert.deepEqual(a.shopping.presence, { product_view: 1, cart: 0, checkout: 1 });
  assert.deepEqual(a.shopping.events, { product_view: 30, cart: 30, checkout: 0 });
  assert.deepEqual(a.shopping.now, { product_view: 1, cart: 0, checkout: 1 });
  assert.equal(a.by_division.sylhet.connections, 1);
  assert.equal(a.by_division.sylhet.product_view, 1);
  assert.equal(a.by_division.khulna.shoppers.checkout, 1);
  assert.equal(a.by_carrier.grameenphone.connections, 1);
  assert.equal(a.by_carrier.robi.checkout, 1);
  assert.equal(a.by_net['2g'].connections, 1);
  assert.equal(a.by_net['4g'].connections, 1);
  assert.ok(a.bandwidth.bytes_out > 0);
  assert.ok(a.by_net['2g'].bytes_out > 0, 'lean writes count for the 2g connection');
  assert.equal(a.drops.frames_dropped, 0);
  assert.equal(a.drops.drop_rate, 0);
  // One observation per event and path on this node: 60 topic publishes and 60 lean writes.
  assert.equal(a.delivery_latency.by_path.topic.count, 60);
  assert.equal(a.delivery_latency.by_path.lean.count, 60);
  assert.equal(a.delivery_latency.budget_ms, 100);
  assert.ok(typeof s.delivery_latency_p99_ms === 'number' && s.delivery_latency_p99_ms < 100, `p99 ${s.delivery_latency_p99_ms} ms`);
  assert.equal(a.delivery_latency.within_budget, true);
  assert.equal(s.scaling.desired_nodes, 1);
  assert.ok(['connections', 'cpu', 'min_nodes'].includes(s.scaling.reason));

  // The same figures for the admin page, without HTTP.
  assert.deepEqual((await node.analytics()).shopping.events, a.shopping.events);

  const text = await (await fetch(node.http('/metrics'))).text();
  assert.match(text, /haat_delivery_latency_seconds_count\{path="topic"\} 60/);
  assert.match(text, /haat_delivery_latency_seconds_count\{path="lean"\} 60/);
  assert.match(text, /haat_shopping_by_division_total\{stage="product_view",division="sylhet"\} 1/);
  assert.match(text, /haat_connections_by_carrier\{carrier="robi"\} 1/);
  assert.match(text, /haat_engine_up\{engine="memory"\} 1/);
  assert.match(text, /haat_cluster_ring_members 1/);
  assert.match(text, /haat_scaling_desired_nodes 1/);
  assert.match(text, /haat_memory_per_connection_bytes \d/);
  assert.doesNotMatch(text, /analytics-p1|u-sylhet|u-khulna/, 'no product or user id in a label');
  await Promise.all([shopper.close(), slow.close()]);
});

test('PUT presence counts too (no connection: division unknown)', async () => {
  const before = (await stats()).analytics.shopping.presence.cart;
  const res = await fetch(node.http('/api/v1/realtime/presence'), {
    method: 'PUT',
    headers: { authorization: `Bearer ${await token({ sub: 'u-rest', roles: ['customer'] })}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'online', current_page: '/cart' }),
  });
  assert.equal(res.status, 200);
  const s = await waitFor(stats, (v) => v.analytics.shopping.presence.cart === before + 1, { what: 'the REST presence to be counted' });
  assert.ok(s.analytics.by_division.unknown.cart >= 1);
});

test('a slow consumer closed with 4009 counts for its carrier and division', async () => {
  const tiny = await startTestNode({ gateway: { maxBackpressureBytes: 64 * 1024 } });
  try {
    const p = await tiny.connect({ token: await token({ sub: 'pub', roles: ['publisher'] }) });
    const c = await tiny.connect({ carrier: 'teletalk', division: 'rangpur' });
    const ch = 'product:flood';
    assert.equal((await c.request({ type: 'join_channel', channels: [ch] })).type, 'channels_joined');
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const big = 'x'.repeat(4000);
    let sent = 0;
    // As lifecycle.test.ts: publish until the server gives up on the paused socket (bounded), sweeping after each batch.
    while (tiny.metrics.analytics.slowCloses === 0 && sent < 20_000) {
      await Promise.all(Array.from({ length: 5 }, () => p.request({ type: 'broadcast_event', channel: ch, event_type: 'blob', data: { big } })));
      sent += 5;
      tiny.gateway.sweepSlowConsumers();
    }
    socket.resume();
    assert.equal((await c.closed).code, 4009);
    const res = await fetch(tiny.http('/api/v1/realtime/stats'), { headers: { authorization: `Bearer ${admin}` } });
    const s = (await res.json()) as Record<string, any>;
    assert.equal(s.analytics.by_carrier.teletalk.slow_consumer_closes, 1);
    assert.equal(s.analytics.by_division.rangpur.slow_consumer_closes, 1);
    assert.equal(s.analytics.drops.slow_consumer_closes, 1);
    assert.match(await (await fetch(tiny.http('/metrics'))).text(), /haat_bytes_out_by_carrier_total\{carrier="teletalk"\} [1-9]/);
    await p.close();
  } finally {
    await tiny.stop();
  }
});
