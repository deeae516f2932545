import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { Analytics, mergeSnapshots, type ConnAnalytics } from './analytics.ts';

/** A stand-in for a socket: what analytics reads of a connection. */
function conn(a: Analytics, division: 'dhaka' | 'sylhet' | undefined, carrier: 'grameenphone' | 'robi' | undefined, net: string | undefined, channels: string[] = []): { getUserData(): { readonly state: ConnAnalytics } } {
  const s: ConnAnalytics = { acct: a.rowOf(division, carrier, net), shop: 0, topicAt: 0, chAt: -1, lean: undefined, channels: new Set(channels) };
  return { getUserData: () => ({ state: s }) };
}

test('presence reports count per stage, and per division, carrier and net of the reporting connection', () => {
  let now = 1_000;
  const a = new Analytics({ now: () => now });
  const gp = conn(a, 'sylhet', 'grameenphone', '2g');
  const robi = conn(a, 'dhaka', 'robi', '4g');
  a.start({ sockets: () => [gp, robi], bytesOf: () => 0 }, 60_000);
  a.presence(gp.getUserData().state, '/p/p1', undefined);
  a.presence(gp.getUserData().state, undefined, { viewing: 'p2', cart_items: 1 });
  a.presence(robi.getUserData().state, '/checkout', undefined);
  a.presence(undefined, null, { stage: 'cart' }); // PUT presence: no connection
  a.presence(robi.getUserData().state, undefined, undefined); // status only: nothing changes
  const s = a.snapshot();
  a.stop();
  assert.deepEqual(s.shopping.presence, { product_view: 2, cart: 2, checkout: 1 });
  assert.deepEqual(s.shopping.now, { product_view: 0, cart: 1, checkout: 1 }, 'the last report of each connection, furthest stage');
  assert.equal(s.by_division.sylhet.product_view, 2);
  assert.equal(s.by_division.sylhet.cart, 1);
  assert.equal(s.by_division.dhaka.checkout, 1);
  assert.equal(s.by_division.unknown.cart, 1);
  assert.equal(s.by_carrier.grameenphone.product_view, 2);
  assert.equal(s.by_net['2g'].connections, 1);
  assert.equal(s.by_net['4g'].shoppers.checkout, 1);
  assert.equal(s.by_carrier.robi.connections, 1);
  now += 1000;
});

test('per-second rates from one sample to the next', () => {
  let now = 0;
  const a = new Analytics({ now: () => now });
  a.start({ sockets: () => [], bytesOf: () => 0 }, 60_000);
  a.stop();
  for (let i = 0; i < 6; i++) a.presence(undefined, '/p/x', undefined);
  a.published(undefined, 'checkout_started', {});
  a.wrote(a.unknownRow, 3000);
  now = 2000;
  a.sample();
  const s = a.snapshot();
  assert.deepEqual(s.shopping.per_s, { product_view: 3, cart: 0, checkout: 1 });
  assert.equal(s.bandwidth.bytes_out_per_s, 1500);
});

test('events count where published; data.division names the shopper`s division', () => {
  const a = new Analytics();
  const c = conn(a, 'dhaka', 'robi', '3g');
  a.published(c.getUserData().state, 'product_view', { product_id: 'p1', division: 'Chittagong' });
  a.published(undefined, 'order_status_update', { order_id: 'o1', status: 'placed' });
  a.published(undefined, 'product_price_change', { product_id: 'p1', new_price: 5 });
  const s = a.snapshot();
  assert.deepEqual(s.shopping.events, { product_view: 1, cart: 0, checkout: 1 });
  assert.equal(s.by_division.chattogram.product_view, 1);
  assert.equal(s.by_division.dhaka.product_view, 0);
  assert.equal(s.by_carrier.robi.product_view, 1);
  assert.equal(s.by_net['3g'].product_view, 1);
  assert.equal(s.by_carrier.unknown.checkout, 1);
});

test('bandwidth, drops and the drop rate; topic bytes attributed to the subscribers` dimensions', () => {
  const a = new Analytics();
  const c = conn(a, 'dhaka', 'grameenphone', '4g', ['product:p1']);
  let topic = 0;
  a.start({ sockets: () => [c], bytesOf: () => topic }, 60_000);
  a.sample(); // baseline
  a.wrote(c.getUserData().state.acct, 100);
  topic += 50;
  a.publishedToTopic(50, 1);
  for (let i = 0; i < 997; i++) a.publishedToTopic(0, 1);
  a.drop(c.getUserData().state.acct, 'backpressure');
  a.drop(undefined, 'lost', 1);
  a.slowConsumerClosed(c.getUserData().state.acct);
  const s = a.snapshot();
  a.stop();
  assert.equal(s.bandwidth.bytes_out, 150);
  assert.equal(s.by_carrier.grameenphone.bytes_out, 150, 'direct writes plus its topic bytes');
  assert.equal(s.drops.frames_delivered, 1 + 1 + 997);
  assert.equal(s.drops.frames_dropped, 2);
  assert.equal(s.drops.drop_rate, 2 / 1001);
  assert.equal(s.by_net['4g'].frames_dropped, 1);
  assert.equal(s.by_division.dhaka.slow_consumer_closes, 1);
  // Closing between two samples: its last topic bytes still count for its carrier.
  topic += 30;
  a.start({ sockets: () => [c], bytesOf: () => topic }, 60_000);
  a.closing(c.getUserData().state);
  a.stop();
  assert.equal(a.carriers.grameenphone.bytes_out, 180);
});

test('delivery latency: p99 in the snapshot, against the budget', () => {
  let now = 10_000;
  const a = new Analytics({ now: () => now, latencyBudgetMs: 100 });
  for (let i = 0; i < 200; i++) a.delivered('topic', now - 4);
  a.delivered('lean', now - 30);
  let l = a.snapshot().delivery_latency;
  assert.equal(l.count, 201);
  assert.ok(l.p99_ms! <= 5, `p99 ${l.p99_ms}`);
  assert.equal(l.within_budget, true);
  assert.equal(l.by_path.lean.count, 1);
  for (let i = 0; i < 10; i++) a.delivered('topic', now - 400);
  l = a.snapshot().delivery_latency;
  assert.equal(l.within_budget, false, `p99 ${l.p99_ms} over 100 ms`);
  now += 120_000;
  assert.equal(a.snapshot().delivery_latency.p99_ms, null, 'the window has passed');
});

test('a cluster`s snapshot is the sum of its nodes`, with the p99 and the drop rate computed from the sums', () => {
  const now = 5_000;
  const n1 = new Analytics({ now: () => now });
  const n2 = new Analytics({ now: () => now });
  n1.presence(undefined, '/p/1', undefined);
  n2.presence(undefined, '/cart', undefined);
  for (let i = 0; i < 100; i++) n1.delivered('topic', now - 2);
  for (let i = 0; i < 100; i++) n2.delivered('topic', now - 300);
  n1.publishedToTopic(10, 99);
  n2.drop(undefined, 'lean_shed');
  const m = mergeSnapshots([n1.snapshot(), JSON.parse(JSON.stringify(n2.snapshot()))])!;
  assert.deepEqual(m.shopping.totals, { product_view: 1, cart: 1, checkout: 0 });
  assert.equal(m.delivery_latency.count, 200);
  assert.equal(m.delivery_latency.budget_ms, 100, 'settings are not summed');
  assert.deepEqual(m.delivery_latency.bounds_ms, n1.snapshot().delivery_latency.bounds_ms);
  assert.ok(m.delivery_latency.p99_ms! > 250);
  assert.equal(m.drops.drop_rate, 1 / 100);
  assert.equal(m.bandwidth.bytes_out, 990);
  assert.equal(mergeSnapshots([]), null);
});

test('Prometheus: bounded labels only (fixed enums), the latency histogram with its buckets', async () => {
  const registry = new Registry();
  const a = new Analytics();
  a.register(registry);
  const c = conn(a, 'sylhet', 'robi', '2g');
  a.start({ sockets: () => [c], bytesOf: () => 0 }, 60_000);
  a.presence(c.getUserData().state, '/p/secret-product-42', { viewing: 'secret-product-42' });
  a.published(c.getUserData().state, 'add_to_cart', { product_id: 'secret-product-42', user_id: 'secret-user-7' });
  a.delivered('topic', Date.now() - 3);
  const text = await registry.metrics();
  a.stop();
  assert.doesNotMatch(text, /secret/, 'no product or user id reaches a label');
  assert.match(text, /haat_shopping_total\{stage="product_view",source="presence"\} 1/);
  assert.match(text, /haat_shopping_by_division_total\{stage="cart",division="sylhet"\} 1/);
  assert.match(text, /haat_shopping_by_carrier_total\{stage="product_view",carrier="robi"\} 1/);
  assert.match(text, /haat_connections_by_net\{net="2g"\} 1/);
  assert.match(text, /haat_shoppers\{stage="product_view"\} 1/);
  assert.match(text, /# TYPE haat_delivery_latency_seconds histogram/);
  assert.match(text, /haat_delivery_latency_seconds_bucket\{path="topic",le="0.005"\} 1/);
  assert.match(text, /haat_delivery_latency_seconds_bucket\{path="topic",le="\+Inf"\} 1/);
  assert.match(text, /haat_delivery_latency_seconds_count\{path="topic"\} 1/);
  // Every label value is one of the fixed enums.
  const allowed = new Set(['dhaka', 'chattogram', 'rajshahi', 'khulna', 'barishal', 'sylhet', 'rangpur', 'mymensingh', 'unknown', 'grameenphone', 'banglalink', 'robi', 'teletalk', 'airtel', 'other', '2g', '3g', '4g', 'wifi', 'product_view', 'cart', 'checkout', 'presence', 'event', 'topic', 'lean', 'lean_window', 'direct', 'backpressure', 'lean_shed', 'lost']);
  for (const m of text.matchAll(/(\w+)="([^"]*)"/g)) if (m[1] !== 'le') assert.ok(allowed.has(m[2]!), `label ${m[1]}="${m[2]}"`);
  // A second scrape reports the same totals (counters are set, not added again).
  assert.match(await registry.metrics(), /haat_shopping_total\{stage="product_view",source="presence"\} 1/);
});
