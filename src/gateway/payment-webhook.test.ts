// POST payments/webhook/:provider (PROTOCOL.md §10 Commerce), black-box on one
// in-process node: signatures, secrets, providers, bodies, duplicates, and
// what a payment becomes (an event on the order's channel, a notification).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { postWebhook } from '../testkit/webhooks.ts';
import { signBody } from '../security/webhook-signature.ts';
import { loadConfig } from '../config/load.ts';
import { withTimeout, waitFor } from '../testkit/wait.ts';
import type { Frame, TestClient } from '../testkit/ws-client.ts';

const SECRETS = { bkash: 'bkash-shared-secret', nagad: 'nagad-shared-secret', rocket: null };
let node: TestNode;
let base: string;
let admin: string;

before(async () => {
  node = await startTestNode({ webhooks: { secrets: SECRETS } });
  base = node.http('');
  admin = await token({ sub: 'ops', roles: ['admin'] });
});
after(async () => {
  await node.stop();
});

const T = { timeout: 30_000 };

/** A device of `user` that may read `order:{orderId}` (its token's `channels` claim), joined to it. */
async function buyerDevice(user: string, orderId: string, lang: 'en' | 'bn'): Promise<TestClient> {
  const c = await node.connect({ token: await token({ sub: user, roles: ['customer'], channels: [`order:${orderId}`] }), lang });
  const joined = await c.request({ type: 'join_channel', channels: [`order:${orderId}`] });
  assert.equal(joined.type, 'channels_joined', JSON.stringify(joined));
  return c;
}

async function securityEvents(): Promise<{ kind: string; detail: string; ip: string | null }[]> {
  const res = await fetch(node.http('/api/v1/realtime/admin/security-events?limit=500'), { headers: { authorization: `Bearer ${admin}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { events: { kind: string; detail: string; ip: string | null }[] }).events;
}

const payment = (over: Record<string, unknown> = {}) => ({ payment_id: 'TRX100', order_id: 'o-100', user_id: 'buyer-100', amount: 1350.5, status: 'success', ...over });

test('the webhook secrets come from HAAT_WEBHOOK_SECRET_BKASH, _NAGAD and _ROCKET; unset is null', () => {
  const c = loadConfig({ env: { HAAT_WEBHOOK_SECRET_BKASH: 'b', HAAT_WEBHOOK_SECRET_ROCKET: 'r' } });
  assert.deepEqual(c.webhooks.secrets, { bkash: 'b', nagad: null, rocket: 'r' });
});

test('a signed call answers {ok:true, duplicate:false}; the order channel gets payment_status_update and every device of the user the notification, in its language', T, async () => {
  const en = await buyerDevice('buyer-100', 'o-100', 'en');
  const bn = await buyerDevice('buyer-100', 'o-100', 'bn');
  const res = await postWebhook(base, 'bkash', { secret: SECRETS.bkash, body: payment() });
  assert.deepEqual(res, { status: 200, body: { ok: true, duplicate: false } });

  for (const c of [en, bn]) {
    const ev = await withTimeout(c.next((f) => f.type === 'event' && f.channel === 'order:o-100'), { what: 'the order event' });
    assert.equal(ev.event_type, 'payment_status_update');
    assert.equal(ev.priority, 'high');
    assert.deepEqual(ev.data, { order_id: 'o-100', payment_id: 'TRX100', provider: 'bkash', amount: 1350.5, status: 'success' });
  }
  const isPayment = (f: Frame): boolean => f.type === 'notification' && f.notification_type === 'payment_status_update';
  const nEn = await withTimeout(en.next(isPayment), { what: 'the English notification' });
  const nBn = await withTimeout(bn.next(isPayment), { what: 'the Bengali notification' });
  assert.equal(nEn.id, nBn.id);
  assert.equal(nEn.priority, 'high');
  assert.equal(nEn.message, 'Your bKash payment of ৳1,350.50 for order #o-100 was successful.');
  assert.equal(nBn.title, 'পেমেন্ট আপডেট');
  assert.equal(nBn.message, 'অর্ডার #o-100 এর ৳১,৩৫০.৫০ বিকাশ পেমেন্ট সফল হয়েছে।');
  assert.deepEqual(nEn.data, { order_id: 'o-100', payment_id: 'TRX100', provider: 'bkash', amount: 1350.5, status: 'success', action_url: '/orders/o-100' });
  await Promise.all([en.close(), bn.close()]);
});

test('a repeated payment_id answers duplicate:true and publishes nothing, also with a different body; the same id at another provider is another payment', T, async () => {
  const c = await buyerDevice('buyer-200', 'o-200', 'en');
  const first = payment({ payment_id: 'TRX200', order_id: 'o-200', user_id: 'buyer-200', amount: 99 });
  assert.deepEqual((await postWebhook(base, 'nagad', { secret: SECRETS.nagad, body: first })).body, { ok: true, duplicate: false });
  assert.deepEqual(await postWebhook(base, 'nagad', { secret: SECRETS.nagad, body: first }), { status: 200, body: { ok: true, duplicate: true } });
  // Same payment_id, another status (or any other field): still the first call's payment.
  assert.deepEqual(await postWebhook(base, 'nagad', { secret: SECRETS.nagad, body: { ...first, status: 'refunded' } }), { status: 200, body: { ok: true, duplicate: true } });
  // The same payment_id at bKash is bKash's payment: published.
  assert.deepEqual((await postWebhook(base, 'bkash', { secret: SECRETS.bkash, body: first })).body, { ok: true, duplicate: false });

  // Events come in offset order: once bKash's is here, a second Nagad one would have come before it.
  const events = (): Frame[] => c.events('order:o-200');
  await withTimeout(c.next((f) => f.type === 'event' && (f.data as { provider?: string }).provider === 'bkash'), { what: "bKash's event" });
  assert.deepEqual(
    events().map((e) => [e.offset, (e.data as { provider: string }).provider, (e.data as { status: string }).status]),
    [
      [1, 'nagad', 'success'],
      [2, 'bkash', 'success'],
    ],
  );
  // Notifications: one per payment; the user actor delivers in order, so the bKash one comes after any Nagad repeat.
  const notes = (): Frame[] => c.frames.filter((f) => f.type === 'notification' && f.notification_type === 'payment_status_update');
  await waitFor(notes, (n) => n.some((f) => (f.data as { provider: string }).provider === 'bkash'), { what: "bKash's notification" });
  assert.deepEqual(
    notes().map((f) => (f.data as { provider: string }).provider),
    ['nagad', 'bkash'],
  );
  await c.close();
});

test('a bad signature is 401 unauthorized and a bad_signature security event; nothing is published', T, async () => {
  const body = payment({ payment_id: 'TRX300', order_id: 'o-300', user_id: 'buyer-300' });
  const raw = JSON.stringify(body);
  const cases: [string, { secret?: string; signature?: string; body: unknown }][] = [
    ['wrong secret', { secret: 'not-the-secret', body }],
    ['no header', { body }],
    ['not hex', { signature: 'sha256=xyz', body }],
    ['other algorithm', { signature: signBody(SECRETS.bkash, raw).replace('sha256=', 'sha1='), body }],
    // Signed, then changed: the signature covers the raw bytes.
    ['body changed', { signature: signBody(SECRETS.bkash, raw), body: raw.replace('1350.5', '1.5') }],
  ];
  const before = (await securityEvents()).length;
  for (const [what, call] of cases) {
    const res = await postWebhook(base, 'bkash', call);
    assert.equal(res.status, 401, what);
    assert.equal(res.body.code, 'unauthorized', what);
  }
  const events = await waitFor(securityEvents, (e) => e.length >= before + cases.length, { what: 'the security events' });
  const mine = events.slice(0, cases.length);
  for (const e of mine) {
    assert.equal(e.kind, 'bad_signature');
    assert.match(e.detail, /^bkash webhook: /);
    assert.ok(e.ip, 'the caller address is recorded');
  }
  // None of them was processed: the same payment, signed properly, is new.
  assert.deepEqual((await postWebhook(base, 'bkash', { secret: SECRETS.bkash, body })).body, { ok: true, duplicate: false });
});

test('a provider without a secret refuses every call with 401 (and a security event); an unknown provider is 404', T, async () => {
  const body = payment({ payment_id: 'TRX400', order_id: 'o-400' });
  for (const secret of ['', 'anything', SECRETS.bkash]) {
    const res = await postWebhook(base, 'rocket', { secret, body });
    assert.deepEqual([res.status, res.body.code], [401, 'unauthorized']);
  }
  const events = await waitFor(securityEvents, (e) => e.some((x) => x.detail.startsWith('rocket webhook: no secret')), { what: 'the rocket security event' });
  assert.equal(events.find((x) => x.detail.startsWith('rocket webhook'))!.kind, 'bad_signature');

  for (const provider of ['paypal', 'card', 'BKASH', 'bk%61sh', '%E0%A4%A']) {
    const res = await postWebhook(base, provider, { secret: SECRETS.bkash, body });
    assert.deepEqual([res.status, res.body.code], [404, 'not_found'], provider);
  }
});

test('a signed call with a bad body is 400 bad_request naming the field', T, async () => {
  const cases: [unknown, string][] = [
    [payment({ amount: 10.005 }), 'amount'],
    [payment({ amount: '10' }), 'amount'],
    [payment({ amount: -5 }), 'amount'],
    [payment({ status: 'done' }), 'status'],
    [payment({ order_id: undefined }), 'order_id'],
    [payment({ payment_id: 'bad id!' }), 'payment_id'],
    [payment({ user_id: '' }), 'user_id'],
    ['{"payment_id": ', 'JSON'],
    ['[]', 'body'],
  ];
  for (const [body, field] of cases) {
    const res = await postWebhook(base, 'bkash', { secret: SECRETS.bkash, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.code, 'bad_request');
    assert.match(res.body.message, new RegExp(field), res.body.message);
  }
  const huge = await postWebhook(base, 'bkash', { secret: SECRETS.bkash, body: payment({ note: 'x'.repeat(17 * 1024) }) });
  assert.deepEqual([huge.status, huge.body.code], [413, 'too_large']);
});

test('a user with no device connected gets the payment notification on the next connection', T, async () => {
  const body = payment({ payment_id: 'TRX600', order_id: 'o-600', user_id: 'buyer-600', amount: 20000, status: 'refunded' });
  assert.deepEqual((await postWebhook(base, 'bkash', { secret: SECRETS.bkash, body })).body, { ok: true, duplicate: false });
  const c = await node.connect({ token: await token({ sub: 'buyer-600', roles: ['customer'] }), lang: 'bn' });
  const n = await withTimeout(c.next((f) => f.type === 'notification' && f.notification_type === 'payment_status_update'), { what: 'the queued notification' });
  assert.equal(n.message, 'অর্ডার #o-600 এর ৳২০,০০০ বিকাশ পেমেন্ট ফেরত দেওয়া হয়েছে।');
  await c.close();
});
