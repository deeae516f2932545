// The demo's helper routes (src/demo/demo.ts) without a browser: tokens and
// seeding when demo.enabled, and nothing at all when it is off (production).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/load.ts';
import { waitFor } from '../testkit/wait.ts';
import { startTestNode, TEST_SECRET } from '../testkit/node.ts';
import { jwtVerify } from 'jose';
import { postWebhook } from '../testkit/webhooks.ts';
import { demoWebhookSecrets, DEMO_BKASH_SECRET } from './demo.ts';

test('demo.enabled: on by default in development, off with NODE_ENV=production (and refused there), HAAT_DEMO=0 turns it off; the demo bKash secret only when on and none is configured', () => {
  assert.equal(loadConfig({ env: {} }).demo.enabled, true);
  assert.equal(loadConfig({ env: { NODE_ENV: 'production', HAAT_JWT_SECRET: 'x' } }).demo.enabled, false);
  assert.equal(loadConfig({ env: { HAAT_DEMO: '0' } }).demo.enabled, false);
  assert.throws(() => loadConfig({ env: { NODE_ENV: 'production', HAAT_JWT_SECRET: 'x', HAAT_DEMO: '1' } }), /must not be on when NODE_ENV=production/);
  const none = { secrets: { bkash: null, nagad: null, rocket: null } };
  assert.equal(demoWebhookSecrets(none, { enabled: false }).secrets.bkash, null);
  assert.equal(demoWebhookSecrets(none, { enabled: true }).secrets.bkash, DEMO_BKASH_SECRET);
  assert.equal(demoWebhookSecrets({ secrets: { bkash: 'real', nagad: null, rocket: null } }, { enabled: true }).secrets.bkash, 'real');
});

test('with demo.enabled false nothing under /demo answers (no token is ever minted) and the demo bKash secret is not accepted', { timeout: 30_000 }, async () => {
  const node = await startTestNode({ demo: { enabled: false } });
  try {
    for (const [method, path] of [['GET', '/demo'], ['GET', '/demo/haat-client.js'], ['GET', '/demo/api/session?role=publisher'], ['POST', '/demo/api/pay'], ['POST', '/demo/api/price']] as const) {
      const res = await fetch(node.http(path), { method, ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
      const text = await res.text();
      assert.equal(res.status, 404, `${method} ${path}: ${res.status} ${text}`);
      assert.doesNotMatch(text, /token/);
    }
    const hook = await postWebhook(node.http(''), 'bkash', { secret: DEMO_BKASH_SECRET, body: { payment_id: 'TRX1', order_id: 'o-1', user_id: 'u1', amount: 10, status: 'success' } });
    assert.equal(hook.status, 401);
  } finally {
    await node.stop();
  }
});

test('with demo.enabled: short-lived tokens per role signed with the node secret, the world seeded once through REST, pay only for your own order', { timeout: 30_000 }, async () => {
  const node = await startTestNode({ demo: { enabled: true, auctionSeconds: 120, softCloseS: 60, extendS: 30, tokenTtlS: 600 } });
  try {
    const session = async (q: string): Promise<any> => {
      const res = await fetch(node.http(`/demo/api/session?${q}`));
      assert.equal(res.status, 200);
      return res.json();
    };
    const [a, b, pub] = await Promise.all([session('role=buyer'), session('role=buyer'), session('role=publisher')]);
    assert.match(a.user_id, /^demo-buyer-/);
    assert.notEqual(a.user_id, b.user_id);
    const { payload } = await jwtVerify(a.token, new TextEncoder().encode(TEST_SECRET));
    assert.deepEqual(payload.roles, ['customer']);
    assert.deepEqual(payload.channels, [`order:${a.user_id}-*`]);
    assert.ok(payload.exp! - payload.iat! === 600);
    assert.deepEqual(a.world, b.world, 'seeded once');
    assert.equal((await session(`role=buyer&user=${a.user_id}`)).user_id, a.user_id, 'a returning buyer keeps its id');
    assert.equal((await fetch(node.http('/demo/api/session?role=admin'))).status, 400, 'no admin tokens');
    assert.equal(a.world.auction.soft_close_s, 60);
    const sale = await (await fetch(node.http(`/api/v1/realtime/sales/${a.world.sale.id}`))).json();
    assert.equal(sale.status, 'open');
    const pay = (token: string, body: unknown): Promise<Response> =>
      fetch(node.http('/demo/api/pay'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    assert.equal((await pay(a.token, { order_id: `${b.user_id}-1`, amount: 100 })).status, 400, "another buyer's order");
    assert.equal((await pay('nope', { order_id: `${a.user_id}-1`, amount: 100 })).status, 401);
    const paid = await pay(a.token, { order_id: `${a.user_id}-1`, amount: 1350.5 });
    const body = (await paid.json()) as any;
    assert.equal(paid.status, 200, JSON.stringify(body));
    assert.deepEqual(body.webhook, { ok: true, duplicate: false });
    const price = (token: string, p: number): Promise<Response> =>
      fetch(node.http('/demo/api/price'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ new_price: p }) });
    assert.equal((await price(a.token, 1)).status, 403, 'a buyer cannot change the price');
    assert.equal((await price(pub.token, 14_999)).status, 200);
    assert.equal((await session('role=buyer')).world.product.price, 14_999, 'a page opened later starts from the new price');
  } finally {
    await node.stop();
  }
});

test('once the demo auction has closed, the next visitor gets a new round', { timeout: 30_000 }, async () => {
  const node = await startTestNode({ demo: { enabled: true, auctionSeconds: 1, softCloseS: 1, extendS: 1, tokenTtlS: 600 } });
  try {
    const world = async (): Promise<any> => ((await (await fetch(node.http('/demo/api/session?role=buyer'))).json()) as any).world;
    const first = await world();
    assert.equal(first.auction.id, 'demo-auction-1');
    const next = await waitFor(world, (w) => w.auction.id !== 'demo-auction-1', { timeoutMs: 15_000, what: 'the next auction round' });
    assert.equal(next.auction.id, 'demo-auction-2');
    assert.ok(Date.parse(next.auction.ends_at) > Date.now());
    assert.equal(next.sale.id, first.sale.id, 'the sale is seeded once');
  } finally {
    await node.stop();
  }
});
