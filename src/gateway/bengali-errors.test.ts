// Bengali error messages and close reasons, black-box on one in-process node:
// a connection's language comes from `?lang=` or the token's `lang` claim, a
// REST caller's from `?lang=`, Accept-Language, then the token. Codes never change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { TestClient } from '../testkit/ws-client.ts';

let node: TestNode;
const BENGALI = /[\u0980-\u09FF]/;

before(async () => {
  node = await startTestNode({ gateway: { maxFrameBytes: 1024 } });
});
after(async () => {
  await node.stop();
});

async function errorFor(c: TestClient, raw: string): Promise<Record<string, unknown>> {
  const from = c.frames.length;
  c.sendRaw(raw);
  return c.next((f) => f.type === 'error', from);
}

test('a bn connection gets Bengali error messages for bad frames, with the same codes; an en one the English of before', async () => {
  const bn = await node.connect({ lang: 'bn' });
  const en = await node.connect({ lang: 'en' });
  try {
    const notJson = await errorFor(bn, '{nope');
    assert.deepEqual([notJson.code, notJson.message], ['bad_request', 'ফ্রেমটি সঠিক JSON নয়।']);
    const enNotJson = await errorFor(en, '{nope');
    assert.equal(enNotJson.code, 'bad_request');
    assert.match(String(enNotJson.message), /^frame is not valid JSON: /);

    const badField = await errorFor(bn, JSON.stringify({ type: 'join_channel', ref: 7, channels: 'product:p1' }));
    assert.deepEqual([badField.code, badField.ref, badField.message], ['bad_request', 7, 'join_channel: `channels` এর মান সঠিক নয়।']);

    const unknown = await errorFor(bn, JSON.stringify({ type: 'teleport', ref: 8 }));
    assert.deepEqual([unknown.code, unknown.message], ['unknown_type', '`teleport` নামে কোনো ফ্রেম নেই।']);

    const big = await errorFor(bn, JSON.stringify({ type: 'ping', pad: 'x'.repeat(1500) }));
    assert.equal(big.code, 'too_large');
    assert.match(String(big.message), /^ফ্রেমটি ১,৫[০-৯]{2} বাইট, সীমা ১,০২৪ বাইট।$/, 'sizes in Bengali digits');

    const bid = await bn.request({ type: 'bid', auction_id: 'a1', amount: 100 });
    assert.deepEqual([bid.code, bid.message], ['unauthorized', 'এটি করতে সাইন ইন করুন।']);
  } finally {
    await Promise.all([bn.close(), en.close()]);
  }
});

test('the token\'s lang claim picks Bengali when the query does not say', async () => {
  const c = await node.connect({ token: await token({ sub: 'bn-user', roles: ['customer'], lang: 'bn' }) });
  try {
    assert.equal(c.frames[0]?.lang, 'bn');
    const e = await c.request({ type: 'broadcast_event', channel: 'product:p1', event_type: 'x', data: {} });
    assert.equal(e.code, 'forbidden');
    assert.equal(e.message, 'আপনার এটি করার অনুমতি নেই।');
    assert.equal(e.detail, 'may not broadcast on product:p1');
    // An error made in a host thread (a domain code) reaches a bn client in Bengali too, its English kept as detail.
    const bid = await c.request({ type: 'bid', auction_id: 'no-such-auction', amount: 100 });
    assert.deepEqual([bid.code, bid.message], ['auction_not_found', 'নিলামটি খুঁজে পাওয়া যায়নি।']);
    assert.equal(typeof bid.detail, 'string');
  } finally {
    await c.close();
  }
});

test('a frame far over the limit closes a bn connection with 1009 and a Bengali reason', async () => {
  const c = await node.connect({ lang: 'bn' });
  c.sendRaw('x'.repeat(5000));
  const closed = await c.closed;
  assert.deepEqual(closed, { code: 1009, reason: 'ফ্রেম সীমার চেয়ে অনেক বড়' });
});

test('a refused upgrade with lang=bn answers 401 in Bengali', async () => {
  await assert.rejects(TestClient.connect(node.url({ token: 'not-a-jwt', lang: 'bn' })), (err: Error & { status?: number; body?: string }) => {
    assert.equal(err.status, 401);
    const body = JSON.parse(err.body ?? '{}');
    assert.equal(body.code, 'unauthorized');
    assert.match(body.message, BENGALI);
    return true;
  });
});

async function rest(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(node.http(`/api/v1/realtime/${path}`), init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('REST errors: Bengali with Accept-Language: bn or ?lang=bn or a bn token; English otherwise', async () => {
  const header = await rest('info', { headers: { 'accept-language': 'bn-BD,bn;q=0.9,en;q=0.5' } });
  assert.deepEqual(header, { status: 401, body: { code: 'unauthorized', message: 'একটি বেয়ারার টোকেন প্রয়োজন; সাইন ইন করুন।', temporary: false } });
  const english = await rest('info');
  assert.deepEqual(english.body, { code: 'unauthorized', message: 'a bearer token is required', temporary: false });

  const query = await rest('no/such/route?lang=bn');
  assert.deepEqual([query.status, query.body.code, query.body.message], [404, 'not_found', 'এই ঠিকানায় কিছু নেই: GET /api/v1/realtime/no/such/route']);

  const bnToken = await token({ sub: 'bn-rest', roles: ['customer'], lang: 'bn' });
  const bad = await rest('chat/rooms', { method: 'POST', headers: { authorization: `Bearer ${bnToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'party', participants: [] }) });
  assert.deepEqual([bad.status, bad.body.code, bad.body.message], [400, 'bad_request', '`type` এর মান সঠিক নয়।']);
  const overridden = await rest('info?lang=en', { headers: { authorization: `Bearer ${bnToken}`, 'accept-language': 'bn' } });
  assert.deepEqual([overridden.status, overridden.body.message], [403, 'admin role required']);
});

test('a draining node tells a bn connection in Bengali, in the closing frame and the close reason', async () => {
  const other = await startTestNode();
  const c = await other.connect({ lang: 'bn' });
  const closing = c.next((f) => f.type === 'closing');
  await other.stop();
  const f = await closing;
  assert.deepEqual([f.code, f.message], ['draining', 'সার্ভার পুনরায় চালু হচ্ছে; শীঘ্রই আবার সংযোগ হবে।']);
  assert.deepEqual(await c.closed, { code: 1001, reason: 'সার্ভার পুনরায় চালু হচ্ছে' });
});
