// The SDK against a real haat node (in-process, port 0): requests and answers,
// events in order, errors with their fields, the queue while disconnected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token } from '../testkit/node.ts';
import { withTimeout } from '../testkit/wait.ts';
import { WS, once } from '../testkit/sdk-client.ts';
import { freePort } from '../testkit/redis-server.ts';
import { HaatClient, HaatError, networkHints, type ChannelEvent } from './index.ts';
import { retryDelay } from './client.ts';

test('a client joins, publishes, receives its events in order, and gets errors with code and temporary', { timeout: 60_000 }, async () => {
  const node = await startTestNode();
  try {
    const pub = new HaatClient({ url: node.url(), token: await token({ sub: 'pub1', roles: ['publisher'] }), WebSocket: WS });
    const sub = new HaatClient({ url: node.url(), WebSocket: WS, lang: 'bn', net: '4g', device: 'web' });
    const states: string[] = [];
    sub.on('state', (s) => states.push(s));
    const events: ChannelEvent[] = [];
    sub.on('event', (e) => events.push(e));
    // Requests made before connect() wait in the queue.
    const joined = sub.join(['product:p1']);
    sub.connect();
    pub.connect();
    const j = await joined;
    assert.equal(j.channels[0]?.channel, 'product:p1');
    assert.deepEqual(states, ['connecting', 'open']);
    assert.equal(sub.session?.lang, 'bn');
    for (let i = 1; i <= 5; i++) {
      const r = await pub.publish('product:p1', 'product_price_change', { product_id: 'p1', new_price: 100 + i });
      assert.equal(r.offset, i);
    }
    await withTimeout(
      new Promise<void>((res) => {
        const check = (): void => void (events.length >= 5 && res());
        sub.on('event', check);
        check();
      }),
      { what: '5 events' },
    );
    assert.deepEqual(events.map((e) => e.offset), [1, 2, 3, 4, 5]);
    assert.deepEqual(sub.position('product:p1'), { epoch: events[0]!.epoch, offset: 5 });
    // A guest may not publish: a HaatError with the server's code.
    const err = await sub.publish('product:p1', 'product_price_change', { product_id: 'p1', new_price: 1 }).catch((e: unknown) => e);
    assert.ok(err instanceof HaatError, String(err));
    assert.ok(['forbidden', 'unauthorized'].includes(err.code), err.code);
    assert.equal(err.temporary, false);
    assert.match(err.idempotency_key ?? '', /^m_/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await assert.rejects(pub.publish('product:p1', 'x', cyclic), (e: HaatError) => e.code === 'bad_request');
    const pong = await sub.ping();
    assert.equal(pong.type, 'pong');
    await sub.leave(['product:p1']);
    assert.deepEqual(sub.channels(), []);
    sub.close();
    pub.close();
    assert.equal(sub.state, 'closed');
    await assert.rejects(sub.ping(), (e: HaatError) => e.code === 'closed');
  } finally {
    await node.stop();
  }
});

test('the queue is bounded while disconnected: over queueMax the oldest request is rejected with queue_overflow', async () => {
  const c = new HaatClient({ url: 'ws://127.0.0.1:9/ws', WebSocket: WS, queueMax: 2 });
  const first = c.publish('product:p1', 'x', {});
  const second = c.publish('product:p1', 'x', {});
  const third = c.publish('product:p1', 'x', {});
  await assert.rejects(first, (e: HaatError) => e.code === 'queue_overflow' && e.temporary === true && /queueMax/.test(e.message));
  c.close();
  await assert.rejects(second, (e: HaatError) => e.code === 'closed');
  await assert.rejects(third, (e: HaatError) => e.code === 'closed');
});

test('networkHints maps navigator.connection onto the net hint', () => {
  assert.deepEqual(networkHints(undefined), {});
  assert.deepEqual(networkHints({}), {});
  assert.deepEqual(networkHints({ connection: { effectiveType: 'slow-2g', rtt: 2000, downlink: 0.05, saveData: true } }), { net: '2g', rtt_ms: 2000, downlink_mbps: 0.05, save_data: true });
  assert.deepEqual(networkHints({ connection: { effectiveType: '3g' } }), { net: '3g' });
  assert.deepEqual(networkHints({ connection: { effectiveType: '4g', type: 'wifi' } }), { net: 'wifi' });
  assert.deepEqual(networkHints({ connection: { effectiveType: '4g', type: 'cellular' } }), { net: '4g' });
});

test('with a list of URLs, each attempt takes the next one: a dead first node is skipped', { timeout: 30_000 }, async () => {
  const node = await startTestNode();
  try {
    const dead = `ws://127.0.0.1:${await freePort()}/ws`;
    const states: string[] = [];
    const c = new HaatClient({ url: [dead, node.url()], WebSocket: WS, backoff: { baseMs: 100, maxMs: 500 } });
    c.on('state', (s) => states.push(s));
    c.connect();
    await once(c, 'authenticated');
    assert.deepEqual(states, ['connecting', 'open'], 'a failed first attempt is still connecting, not reconnecting');
    assert.equal(c.stats.connects, 1);
    assert.ok(c.stats.last_delay_ms <= 100, `first retry after ${c.stats.last_delay_ms} ms (full jitter under baseMs)`);
    c.close();
  } finally {
    await node.stop();
  }
});

test('a request refused unavailable with retry_after_ms is sent again between that delay and twice it, spread rather than all at once', () => {
  const delays = Array.from({ length: 2000 }, () => retryDelay(1000, 1, 500, 30_000));
  assert.ok(delays.every((d) => d >= 1000 && d <= 2000), 'between retry_after_ms and twice it');
  // Spread: the crowd's retries fall in every tenth of that second.
  const tenths = new Set(delays.map((d) => Math.min(9, Math.floor((d - 1000) / 100))));
  assert.equal(tenths.size, 10);
  // Without a retry_after_ms: full-jitter backoff by attempt.
  assert.ok(Array.from({ length: 200 }, () => retryDelay(undefined, 2, 500, 30_000)).every((d) => d >= 0 && d <= 2000));
});
