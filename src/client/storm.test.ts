// Reconnect storms: 200 SDK clients lose their connections at once and all
// come back, spread over time by jitter rather than in one burst: (a) their
// sockets are killed (full-jitter backoff), (b) their node drains (SIGTERM's
// path: `closing` with a jittered reconnect_after_ms, then 1001) and another
// node takes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { startTcpProxy } from '../testkit/tcp-proxy.ts';
import { waitFor } from '../testkit/wait.ts';
import { WS } from '../testkit/sdk-client.ts';
import { HaatClient, type ChannelEvent, type UrlOption } from './index.ts';

const N = 200;

interface Fleet {
  clients: HaatClient[];
  events: ChannelEvent[][];
  /** When each client last authenticated (ms since epoch). */
  openedAt: number[];
  refetches: number[];
}

async function fleet(url: UrlOption, channel: string, backoff: { baseMs: number; maxMs: number }): Promise<Fleet> {
  const f: Fleet = { clients: [], events: [], openedAt: [], refetches: [] };
  for (let i = 0; i < N; i++) {
    const c = new HaatClient({ url, WebSocket: WS, backoff });
    f.clients.push(c);
    f.events.push([]);
    f.openedAt.push(0);
    f.refetches.push(0);
    c.on('event', (e) => f.events[i]!.push(e));
    c.on('authenticated', () => (f.openedAt[i] = Date.now()));
    c.on('refetch', () => f.refetches[i]!++);
    c.connect();
  }
  await Promise.all(f.clients.map((c) => c.join([channel])));
  return f;
}

/** Reconnect times relative to `t0`, sorted, and the largest share of them inside one 100 ms bucket. */
function spread(f: Fleet, t0: number): { first: number; last: number; busiest: number } {
  const ts = f.openedAt.map((t) => t - t0).sort((a, b) => a - b);
  const buckets = new Map<number, number>();
  for (const t of ts) buckets.set(Math.floor(t / 100), (buckets.get(Math.floor(t / 100)) ?? 0) + 1);
  return { first: ts[0]!, last: ts.at(-1)!, busiest: Math.max(...buckets.values()) / ts.length };
}

async function publisher(node: TestNode): Promise<HaatClient> {
  const pub = new HaatClient({ url: node.url(), token: await token({ sub: 'pub1', roles: ['publisher'] }), WebSocket: WS, maxAttempts: 5 });
  pub.connect();
  return pub;
}

test(`${N} clients whose sockets are killed at once reconnect with full jitter, resume, and miss nothing`, { timeout: 120_000 }, async (t) => {
  const node = await startTestNode();
  const proxy = await startTcpProxy(() => node.port);
  const backoff = { baseMs: 1_500, maxMs: 10_000 };
  try {
    const f = await fleet(proxy.url(), 'product:storm', backoff);
    const pub = await publisher(node);
    await pub.publish('product:storm', 'product_price_change', { product_id: 'p1', new_price: 1 });
    await waitFor(() => f.events.filter((e) => e.length >= 1).length, (n) => n === N, { what: 'every client to get event 1' });
    const t0 = Date.now();
    assert.equal(proxy.cut(), N);
    // Published while they are all away: each gets it by the resume.
    await pub.publish('product:storm', 'product_price_change', { product_id: 'p1', new_price: 2 });
    await waitFor(() => f.clients.filter((c) => c.stats.reconnects === 1 && c.state === 'open').length, (n) => n === N, { timeoutMs: 30_000, what: `all ${N} clients to reconnect` });
    await pub.publish('product:storm', 'product_price_change', { product_id: 'p1', new_price: 3 });
    await waitFor(() => f.events.filter((e) => e.length >= 3).length, (n) => n === N, { what: 'every client to get events 2 and 3' });
    for (const e of f.events) assert.deepEqual(e.map((x) => x.offset), [1, 2, 3]);
    assert.equal(f.refetches.reduce((a, b) => a + b, 0), 0, 'every resume recovered');
    const s = spread(f, t0);
    t.diagnostic(`reconnects from ${s.first} to ${s.last} ms after the cut; busiest 100 ms held ${(s.busiest * 100).toFixed(1)}% of them`);
    assert.ok(s.last - s.first >= backoff.baseMs / 2, `spread over ${s.last - s.first} ms`);
    assert.ok(s.busiest <= 0.25, `at most a quarter of the clients in any 100 ms (got ${s.busiest})`);
    for (const c of f.clients) c.close();
    pub.close();
  } finally {
    await proxy.close();
    await node.stop();
  }
});

test(`${N} clients of a draining node reconnect to another node after the delay they were told, spread by its jitter`, { timeout: 120_000 }, async (t) => {
  const a = await startTestNode();
  let current: TestNode = a;
  let b: TestNode | undefined;
  try {
    const f = await fleet(() => current.url(), 'product:drain', { baseMs: 500, maxMs: 5_000 });
    assert.equal(f.clients.filter((c) => c.state === 'open').length, N);
    b = await startTestNode();
    current = b;
    const t0 = Date.now();
    await a.stop(); // drain: closing {reconnect_after_ms: 500..3000}, then 1001
    await waitFor(() => f.clients.filter((c) => c.stats.reconnects === 1 && c.state === 'open').length, (n) => n === N, { timeoutMs: 30_000, what: `all ${N} clients on the new node` });
    const s = spread(f, t0);
    t.diagnostic(`reconnects from ${s.first} to ${s.last} ms after the drain; busiest 100 ms held ${(s.busiest * 100).toFixed(1)}%`);
    assert.ok(s.first >= 450, `nobody came back before the told delay (first after ${s.first} ms)`);
    assert.ok(s.last - s.first >= 1_000, `spread over ${s.last - s.first} ms`);
    assert.ok(s.busiest <= 0.25, `at most a quarter of the clients in any 100 ms (got ${s.busiest})`);
    for (const c of f.clients) assert.equal(c.session?.node, 'n-test');
    // The new node's memory history does not hold the old channel: every client is told to refetch.
    await waitFor(() => f.refetches.filter((n) => n === 1).length, (n) => n === N, { what: 'every client to be told to refetch' });
    const pub = await publisher(b);
    await pub.publish('product:drain', 'product_price_change', { product_id: 'p1', new_price: 5 });
    await waitFor(() => f.events.filter((e) => e.length >= 1).length, (n) => n === N, { what: 'every client to get the event on the new node' });
    for (const c of f.clients) c.close();
    pub.close();
  } finally {
    if (b) await b.stop();
  }
});
