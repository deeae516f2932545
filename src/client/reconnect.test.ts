// The SDK's reconnect behaviours against a real node, through a TCP proxy
// that kills connections for real: a publish retried across a dropped
// connection lands once; an expired token is replaced through getToken; a
// 401 at the upgrade asks getToken once; 4003 stops the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token } from '../testkit/node.ts';
import { startTcpProxy } from '../testkit/tcp-proxy.ts';
import { waitFor } from '../testkit/wait.ts';
import { restClient, isoIn } from '../testkit/commerce.ts';
import { HaatClient, HaatError, type ChannelEvent } from './index.ts';
import { WS, once } from '../testkit/sdk-client.ts';

const FAST = { baseMs: 100, maxMs: 1_000 };

test('a publish whose reply was lost with the connection is retried after the reconnect with the same client_msg_id: the first reply comes back and the channel has one event', { timeout: 60_000 }, async () => {
  const node = await startTestNode();
  const proxy = await startTcpProxy(() => node.port);
  try {
    const watcher = new HaatClient({ url: node.url(), WebSocket: WS });
    const seen: ChannelEvent[] = [];
    watcher.on('event', (e) => seen.push(e));
    watcher.connect();
    await watcher.join(['product:once']);
    const pub = new HaatClient({ url: proxy.url(), token: await token({ sub: 'pub1', roles: ['publisher'] }), WebSocket: WS, backoff: FAST });
    pub.connect();
    await once(pub, 'authenticated');
    // The server publishes and answers; the answer dies in the proxy with the connection.
    const cut = proxy.cutOnServerText('"type":"reply"');
    const reply = pub.publish('product:once', 'product_price_change', { product_id: 'p1', new_price: 99 }, { client_msg_id: 'once-1' });
    await cut;
    const r = await reply;
    assert.equal(pub.stats.reconnects, 1, 'the answer came over a second connection');
    assert.equal(r.offset, 1);
    // What the watcher saw: exactly one event for it, then a marker.
    const marker = await pub.publish('product:once', 'product_price_change', { product_id: 'p1', new_price: 98 });
    assert.equal(marker.offset, 2, 'the retry published nothing: the next event is offset 2');
    await waitFor(() => seen.length, (n) => n >= 2, { what: 'the watcher to see 2 events' });
    assert.deepEqual(seen.map((e) => [e.offset, (e.data as { new_price: number }).new_price]), [[1, 99], [2, 98]]);
    // Repeating the id by hand returns the first reply again.
    const again = await pub.publish('product:once', 'product_price_change', { product_id: 'p1', new_price: 99 }, { client_msg_id: 'once-1' });
    assert.deepEqual([again.id, again.offset], [r.id, r.offset]);
    pub.close();
    watcher.close();
  } finally {
    await proxy.close();
    await node.stop();
  }
});

test('a reserve and a bid whose answers die with the connection are retried with the same client_req_id / client_bid_id: one reservation, one bid', { timeout: 60_000 }, async () => {
  const node = await startTestNode();
  const proxy = await startTcpProxy(() => node.port);
  try {
    const rest = restClient(node.http);
    const admin = await token({ sub: 'ops', roles: ['admin'] });
    const sale = await rest.post('sales', { id: 'sdk-s1', starts_at: isoIn(-60_000), ends_at: isoIn(3_600_000), per_user_limit: 5, hold_s: 600, skus: [{ sku: 'k1', stock: 5 }] }, admin);
    assert.equal(sale.status, 201, JSON.stringify(sale.body));
    const auction = await rest.post('auctions', { id: 'sdk-a1', product_id: 'p1', starting_price: 100, min_increment: 10, starts_at: isoIn(-60_000), ends_at: isoIn(3_600_000) }, admin);
    assert.equal(auction.status, 201, JSON.stringify(auction.body));
    const c = new HaatClient({ url: proxy.url(), token: await token({ sub: 'buyer1', roles: ['customer'] }), WebSocket: WS, backoff: FAST });
    c.connect();
    await once(c, 'authenticated');
    let cut = proxy.cutOnServerText('"reservation"');
    const reserved = c.reserve('sdk-s1', 'k1', 2);
    await cut;
    const r = (await reserved) as unknown as { reservation: { id: string; qty: number } };
    assert.equal(c.stats.reconnects, 1);
    assert.equal(r.reservation.qty, 2);
    const s = await rest.get('sales/sdk-s1');
    assert.deepEqual(s.body.skus.map((k: { reserved: number; available: number }) => [k.reserved, k.available]), [[2, 3]], 'one reservation of 2, not two');
    cut = proxy.cutOnServerText('"leading"');
    const bid = c.bid('sdk-a1', 100);
    await cut;
    const b = (await bid) as unknown as { bid: { seq: number } };
    assert.equal(c.stats.reconnects, 2);
    assert.equal(b.bid.seq, 1);
    const a = await rest.get('auctions/sdk-a1');
    assert.equal(a.body.bid_count, 1, 'one bid, not two');
    c.close();
  } finally {
    await proxy.close();
    await node.stop();
  }
});

test('an answer lost on a live connection: after requestTimeoutMs the request is sent again with the same idempotency key, and the first answer comes back', { timeout: 60_000 }, async () => {
  const node = await startTestNode();
  const proxy = await startTcpProxy(() => node.port);
  try {
    const c = new HaatClient({ url: proxy.url(), token: await token({ sub: 'pub2', roles: ['publisher'] }), WebSocket: WS, requestTimeoutMs: 500 });
    c.connect();
    await once(c, 'authenticated');
    const lost = proxy.swallowServerText('"type":"reply"');
    const r = await c.publish('product:lost', 'product_price_change', { product_id: 'p1', new_price: 7 });
    await lost;
    assert.equal(r.offset, 1);
    assert.equal(c.stats.retries, 1, 'one retry after the timeout');
    assert.equal(c.stats.reconnects, 0, 'on the same connection');
    const next = await c.publish('product:lost', 'product_price_change', { product_id: 'p1', new_price: 8 });
    assert.equal(next.offset, 2, 'the retry published nothing');
    c.close();
  } finally {
    await proxy.close();
    await node.stop();
  }
});

test('a short-lived token expires: after the connection drops, getToken supplies a new one and the client resumes its channels and keeps working', { timeout: 60_000 }, async () => {
  const node = await startTestNode();
  const proxy = await startTcpProxy(() => node.port);
  try {
    const issued: string[] = [];
    const getToken = async (): Promise<string> => {
      const t = await token({ sub: 'shopper1', roles: ['customer'] }, { expiresIn: issued.length === 0 ? '2s' : '1h' });
      issued.push(t);
      return t;
    };
    const c = new HaatClient({ url: proxy.url(), getToken, WebSocket: WS, backoff: FAST });
    const events: ChannelEvent[] = [];
    c.on('event', (e) => events.push(e));
    c.connect();
    await c.join(['product:tok']);
    assert.equal(issued.length, 1, 'getToken is called at connect');
    assert.equal(c.session?.user_id, 'shopper1');
    // Wait (bounded) until the server itself refuses the first token.
    await waitFor(
      async () => (await fetch(node.http('/api/v1/realtime/presence/shopper1'), { headers: { authorization: `Bearer ${issued[0]}` } })).status,
      (s) => s === 401,
      { timeoutMs: 10_000, what: 'the first token to expire' },
    );
    const pub = new HaatClient({ url: node.url(), token: await token({ sub: 'pub1', roles: ['publisher'] }), WebSocket: WS });
    pub.connect();
    await pub.publish('product:tok', 'product_price_change', { product_id: 'p1', new_price: 1 });
    await waitFor(() => events.length, (n) => n >= 1, { what: 'the first event' });
    const reopened = once(c, 'authenticated');
    assert.equal(proxy.cut(), 1);
    // Missed while disconnected: replayed by the resume.
    await pub.publish('product:tok', 'product_price_change', { product_id: 'p1', new_price: 2 });
    await reopened;
    assert.equal(issued.length, 2, 'a new token was fetched for the reconnect');
    assert.equal(c.session?.user_id, 'shopper1');
    await pub.publish('product:tok', 'product_price_change', { product_id: 'p1', new_price: 3 });
    await waitFor(() => events.length, (n) => n >= 3, { what: 'three events' });
    assert.deepEqual(events.map((e) => e.offset), [1, 2, 3]);
    assert.equal(c.stats.refetches, 0);
    const r = await c.presence('online', { current_page: '/p/p1' });
    assert.equal(r.ok, true);
    c.close();
    pub.close();
  } finally {
    await proxy.close();
    await node.stop();
  }
});

test('a token refused at the upgrade (401) makes the client ask getToken once; without getToken it stops with unauthorized', { timeout: 60_000 }, async () => {
  const node = await startTestNode();
  try {
    const bad = await token({ sub: 'shopper2', roles: ['customer'] }, { secret: 'not-the-secret' });
    let calls = 0;
    const c = new HaatClient({ url: node.url(), token: bad, getToken: async () => (calls++, token({ sub: 'shopper2', roles: ['customer'] })), WebSocket: WS, backoff: FAST });
    c.connect();
    const auth = await once<{ user_id: string }>(c, 'authenticated');
    assert.equal(auth.user_id, 'shopper2');
    assert.equal(calls, 1);
    c.close();

    const d = new HaatClient({ url: node.url(), token: bad, WebSocket: WS, backoff: FAST });
    const err = once<HaatError>(d, 'error');
    d.connect();
    assert.equal((await err).code, 'unauthorized');
    assert.equal(d.state, 'closed');
    await assert.rejects(d.ping(), (e: HaatError) => e.code === 'unauthorized');

    // getToken that keeps handing out a refused token: asked once more, then the client stops.
    let n = 0;
    const e = new HaatClient({ url: node.url(), getToken: async () => (n++, bad), WebSocket: WS, backoff: FAST });
    const err2 = once<HaatError>(e, 'error');
    e.connect();
    assert.equal((await err2).code, 'unauthorized');
    assert.equal(n, 2);
    assert.equal(e.state, 'closed');
  } finally {
    await node.stop();
  }
});

test('a 4003 close (admin disconnect) stops the client with a forbidden error instead of reconnecting', { timeout: 60_000 }, async () => {
  const node = await startTestNode();
  try {
    const c = new HaatClient({ url: node.url(), token: await token({ sub: 'troll', roles: ['customer'] }), WebSocket: WS, backoff: FAST });
    c.connect();
    await once(c, 'authenticated');
    const err = once<HaatError>(c, 'error');
    const admin = await token({ sub: 'ops', roles: ['admin'] });
    const res = await fetch(node.http('/api/v1/realtime/admin/disconnect'), { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'troll', reason: 'test' }) });
    assert.equal(res.status, 200, await res.text());
    const e = await err;
    assert.equal(e.code, 'forbidden');
    assert.equal(c.state, 'closed');
    assert.equal(c.stats.reconnects, 0);
  } finally {
    await node.stop();
  }
});

test('over the per-user connection limit (4029) the client backs off long, says so, and gets in once a connection is free', { timeout: 60_000 }, async () => {
  const node = await startTestNode();
  try {
    const jwt = await token({ sub: 'many', roles: ['customer'] });
    const ten: HaatClient[] = [];
    for (let i = 0; i < 10; i++) {
      const c = new HaatClient({ url: node.url(), token: jwt, WebSocket: WS });
      c.connect();
      await once(c, 'authenticated');
      ten.push(c);
    }
    const extra = new HaatClient({ url: node.url(), token: jwt, WebSocket: WS, backoff: { baseMs: 100, maxMs: 4_000 } });
    const err = once<HaatError>(extra, 'error');
    extra.connect();
    const e = await err;
    assert.equal(e.code, 'too_many_connections');
    assert.equal(e.temporary, true);
    assert.ok(extra.stats.last_delay_ms >= 2_000, `backed off ${extra.stats.last_delay_ms} ms (at least maxMs/2)`);
    assert.notEqual(extra.state, 'closed');
    ten.pop()!.close();
    await once(extra, 'authenticated', () => true, 10_000);
    assert.equal(extra.session?.user_id, 'many');
    extra.close();
    for (const c of ten) c.close();
  } finally {
    await node.stop();
  }
});
