// PROTOCOL.md §3b: `event_type` is free-form for application events; the
// seed's types are validated on publish, after the right to publish is
// checked (a publisher without it gets forbidden, whatever the data), on the
// frame and on REST alike.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';

let node: TestNode;
let pub: string;
const T = { timeout: 30_000 };
before(async () => {
  node = await startTestNode();
  pub = await token({ sub: 'pub', roles: ['publisher'] });
});
after(async () => {
  await node.stop();
});

const post = (body: unknown) =>
  fetch(node.http('/api/v1/realtime/events/broadcast'), { method: 'POST', headers: { authorization: `Bearer ${pub}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('POST events/broadcast checks the right to publish on every channel before any data: forbidden wins', T, async () => {
  const res = await post({ channels: ['product:p1', 'admin:ops'], event_type: 'product_price_change', data: {} });
  const body = (await res.json()) as { code: string };
  assert.deepEqual([res.status, body.code], [403, 'forbidden'], JSON.stringify(body));
  const bad = await post({ channels: ['product:p1', 'product:p2'], event_type: 'product_price_change', data: {} });
  assert.equal(bad.status, 400, 'with the right on every channel, the bad data is bad_request');
});

test('an application event_type is free-form text (spaces, Bengali, slashes), on the frame and on REST; control characters are refused', T, async () => {
  const publisher = await node.connect({ token: pub });
  const watcher = await node.connect();
  await watcher.request({ type: 'join_channel', channels: ['promo:eid'] });
  for (const event_type of ['flash sale', 'দাম কমেছে', 'promo/banner']) {
    const r = await publisher.request({ type: 'broadcast_event', channel: 'promo:eid', event_type, data: { x: 1 } });
    assert.equal(r.type, 'reply', `${event_type}: ${JSON.stringify(r)}`);
    const seen = await watcher.next((f) => f.type === 'event' && f.offset === r.offset);
    assert.equal(seen.event_type, event_type);
  }
  assert.equal((await post({ channel: 'promo:eid', event_type: 'ঈদ অফার', data: {} })).status, 200);
  assert.equal((await publisher.request({ type: 'broadcast_event', channel: 'promo:eid', event_type: 'a\nb', data: {} })).code, 'bad_request');
  await Promise.all([publisher.close(), watcher.close()]);
});
