// Flash sales black-box over WebSocket and REST (PROTOCOL.md §8, §10), on one
// in-process node with two host threads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, startTestNode, token, type TestNode } from '../../testkit/node.ts';
import { isoIn, restClient, untilTime } from '../../testkit/commerce.ts';
import { checkReservations, type ReserveRecord } from '../../testkit/linearizability.ts';
import { withTimeout } from '../../testkit/wait.ts';
import type { TestClient } from '../../testkit/ws-client.ts';

let node: TestNode;
let publisher: string;
let rest: ReturnType<typeof restClient>;
const T = { timeout: 90_000 };

before(async () => {
  node = await startTestNode({ actors: { workers: 2, reminderPollMs: 50 }, gateway: { messagesPerSecond: 1000 } });
  publisher = await token({ sub: 'pub', roles: ['publisher'] });
  rest = restClient(node.http);
});
after(async () => {
  await node.stop();
});

const user = (id: string): Promise<TestClient> => connectAs(node, id);

function sale(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, title: 'ঈদ ফ্ল্যাশ সেল', starts_at: isoIn(-1000), ends_at: isoIn(3_600_000), per_user_limit: 1, hold_s: 600, skus: [{ sku: 'phone', stock: 100, price: 14999.99 }], ...over };
}

test('POST sales answers 201 with the sale; GET shows it; duplicate 409; bad fields 400; unknown 404', T, async () => {
  const created = await rest.post('sales', sale('rest-s1', { skus: [{ sku: 'a', stock: 5 }, { sku: 'b', stock: 0, price: 10.5 }] }), publisher);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual({ ...created.body, starts_at: undefined, ends_at: undefined }, {
    id: 'rest-s1',
    title: 'ঈদ ফ্ল্যাশ সেল',
    status: 'open',
    starts_at: undefined,
    ends_at: undefined,
    per_user_limit: 1,
    hold_s: 600,
    skus: [
      { sku: 'a', stock: 5, available: 5, reserved: 0, sold: 0, price: null },
      { sku: 'b', stock: 0, available: 0, reserved: 0, sold: 0, price: 10.5 },
    ],
  });
  assert.deepEqual((await rest.get('sales/rest-s1')).body, created.body);
  assert.equal((await rest.post('sales', sale('rest-s1'), publisher)).status, 409);
  for (const bad of [sale('x1', { per_user_limit: 0 }), sale('x2', { skus: [] }), sale('x3', { skus: [{ sku: 'a', stock: 1 }, { sku: 'a', stock: 2 }] }), sale('x4', { hold_s: 1.5 }), sale('x5', { starts_at: 'now' })]) {
    const res = await rest.post('sales', bad, publisher);
    assert.deepEqual([res.status, res.body.code], [400, 'bad_request'], JSON.stringify(bad));
  }
  assert.equal((await rest.get('sales/none')).status, 404);
  assert.equal((await rest.post('sales/none/confirm', { reservation_id: 'rsv_1' }, publisher)).status, 404);
});

test('2,000 concurrent buyers for 100 units, limit 1: exactly 100 reservations, the rest sold_out, linearizable; a winner\'s second try is limit_exceeded', T, async () => {
  const id = 'race-s1';
  assert.equal((await rest.post('sales', sale(id), publisher)).status, 201);
  const watcher = await node.connect();
  await watcher.request({ type: 'join_channel', channels: [`sale:${id}`] });
  const buyers: TestClient[] = [];
  for (let i = 0; i < 2000; i += 200) buyers.push(...(await Promise.all(Array.from({ length: 200 }, (_, k) => user(`buyer${i + k}`)))));
  const history: ReserveRecord[] = [];
  await Promise.all(
    buyers.map(async (c) => {
      const invokedAt = performance.now();
      const f = await c.request({ type: 'reserve', sale_id: id, sku: 'phone', qty: 1, client_req_id: 'buy-1' });
      history.push({ invokedAt, completedAt: performance.now(), qty: 1, answer: f.type === 'reply' ? { ok: true, id: (f.reservation as { id: string }).id } : { ok: false, code: String(f.code) } });
    }),
  );
  const ok = history.filter((h) => h.answer.ok).length;
  const codes = new Set(history.filter((h) => !h.answer.ok).map((h) => (h.answer as { code: string }).code));
  assert.equal(ok, 100);
  assert.deepEqual([...codes], ['sold_out']);
  assert.deepEqual(checkReservations(history, 100), []);
  const winners = (await Promise.all(buyers.map((c) => c.request({ type: 'reserve', sale_id: id, sku: 'phone', qty: 1, client_req_id: 'buy-1' })))).filter((f) => f.type === 'reply');
  assert.equal(winners.length, 100, 'a repeated client_req_id answers the first answer');
  const aWinner = buyers.find((c) => c.frames.some((f) => f.type === 'reply' && f.reservation))!;
  const second = await aWinner.request({ type: 'reserve', sale_id: id, sku: 'phone', qty: 1 });
  assert.equal(second.code, 'limit_exceeded');
  const view = await rest.get(`sales/${id}`);
  assert.deepEqual(view.body.skus[0], { sku: 'phone', stock: 100, available: 0, reserved: 100, sold: 0, price: 14999.99 });
  // Stock events: conflated, the newest figures last.
  const last = await withTimeout(watcher.next((f) => f.type === 'event' && (f.data as { reserved: number }).reserved === 100), { what: 'the final stock figures' });
  assert.deepEqual(last.data, { sale_id: id, sku: 'phone', available: 0, reserved: 100, sold: 0 });
  const stockEvents = watcher.events(`sale:${id}`);
  assert.ok(stockEvents.length < 100, `conflated: ${stockEvents.length} events for 100 changes`);
  assert.deepEqual(stockEvents.map((e) => (e.data as { reserved: number }).reserved), [...stockEvents.map((e) => (e.data as { reserved: number }).reserved)].sort((a, b) => a - b));
  await Promise.all([watcher.close(), ...buyers.map((b) => b.close())]);
});

test('holds expire by reminder and return stock; confirm counts against the limit; release after confirm is refused', T, async () => {
  const id = 'hold-s1';
  await rest.post('sales', sale(id, { per_user_limit: 2, hold_s: 1, skus: [{ sku: 'tee', stock: 2 }] }), publisher);
  const u = await user('holder');
  const v = await user('viewer');
  await v.request({ type: 'join_channel', channels: [`sale:${id}`] });
  const a = await u.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1 });
  const b = await u.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1 });
  const [ra, rb] = [a.reservation as { id: string; expires_at: string }, b.reservation as { id: string }];
  assert.match(ra.expires_at, /\+06:00$/);
  assert.equal((await v.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1 })).code, 'sold_out');
  const c = await rest.post(`sales/${id}/confirm`, { reservation_id: ra.id }, publisher);
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.deepEqual(c.body.reservation, { id: ra.id, user_id: 'holder', sku: 'tee', qty: 1, status: 'confirmed' });
  assert.equal((await rest.post(`sales/${id}/confirm`, { reservation_id: ra.id }, await token({ sub: 'x', roles: ['customer'] }))).status, 403);
  const rel = await u.request({ type: 'release', sale_id: id, reservation_id: ra.id });
  assert.equal(rel.code, 'conflict', 'release after confirm is refused');
  // rb expires by itself (hold_s 1) with nobody asking: its unit comes back, announced on sale:{id}.
  await untilTime(Date.parse(ra.expires_at));
  const back = await withTimeout(v.next((f) => f.type === 'event' && (f.data as { available: number }).available === 1 && (f.data as { sold: number }).sold === 1), { what: 'the expired hold back in stock', timeoutMs: 10_000 });
  assert.deepEqual(back.data, { sale_id: id, sku: 'tee', available: 1, reserved: 0, sold: 1 });
  assert.equal((await rest.post(`sales/${id}/confirm`, { reservation_id: rb.id }, publisher)).body.code, 'conflict', 'an expired hold cannot be confirmed');
  // The bought unit still counts: one more is within the limit of 2, two are not.
  assert.equal((await u.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 2 })).code, 'limit_exceeded');
  const again = await u.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1 });
  assert.equal(again.type, 'reply');
  const released = await u.request({ type: 'release', sale_id: id, reservation_id: (again.reservation as { id: string }).id });
  assert.deepEqual({ ...released, ref: undefined }, { type: 'reply', ok: true, ref: undefined });
  assert.equal((await v.request({ type: 'release', sale_id: id, reservation_id: (again.reservation as { id: string }).id })).code, 'not_found', "another user's reservation");
  assert.deepEqual((await rest.get(`sales/${id}`)).body.skus[0], { sku: 'tee', stock: 2, available: 1, reserved: 0, sold: 1, price: null });
  await Promise.all([u.close(), v.close()]);
});

test('a sale not started or ended refuses reserves in the order of §8', T, async () => {
  await rest.post('sales', sale('later-s1', { starts_at: isoIn(3_600_000), ends_at: isoIn(7_200_000) }), publisher);
  const u = await user('early');
  assert.equal((await u.request({ type: 'reserve', sale_id: 'later-s1', sku: 'nope', qty: 1 })).code, 'sale_not_found');
  assert.equal((await u.request({ type: 'reserve', sale_id: 'later-s1', sku: 'phone', qty: 1 })).code, 'sale_not_started');
  assert.equal((await u.request({ type: 'reserve', sale_id: 'missing', sku: 'phone', qty: 1 })).code, 'sale_not_found');
  assert.equal((await u.request({ type: 'reserve', sale_id: 'later-s1', sku: 'phone', qty: 0 })).code, 'bad_request');
  const guest = await node.connect();
  assert.equal((await guest.request({ type: 'reserve', sale_id: 'later-s1', sku: 'phone', qty: 1 })).code, 'unauthorized');
  await Promise.all([u.close(), guest.close()]);
});

test('a SKU named __proto__ and users named __proto__ or constructor are ids like any other (per_user_limit holds)', T, async () => {
  const created = await rest.post('sales', sale('proto-s', { per_user_limit: 1, skus: [{ sku: '__proto__', stock: 5 }, { sku: 'constructor', stock: 5 }] }), publisher);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(
    created.body.skus.map((s: { sku: string; stock: number }) => [s.sku, s.stock]),
    [
      ['__proto__', 5],
      ['constructor', 5],
    ],
  );
  for (const id of ['__proto__', 'constructor']) {
    const u = await user(id);
    const answers = [];
    for (const sku of ['__proto__', 'constructor', '__proto__']) answers.push(await u.request({ type: 'reserve', sale_id: 'proto-s', sku, qty: 1 }));
    assert.deepEqual(
      answers.map((a) => (a.type === 'reply' ? 'reply' : a.code)),
      ['reply', 'limit_exceeded', 'limit_exceeded'],
      `${id}: ${JSON.stringify(answers)}`,
    );
    await u.close();
  }
  const view = await rest.get('sales/proto-s');
  assert.deepEqual(
    view.body.skus.map((s: { sku: string; reserved: number; available: number }) => [s.sku, s.reserved, s.available]),
    [
      ['__proto__', 2, 3],
      ['constructor', 0, 5],
    ],
  );
});

test('a repeated client_req_id whose first answer was a refusal gets that refusal again, even once a unit came back; a new key is judged anew', T, async () => {
  const id = 'idem-sold';
  assert.equal((await rest.post('sales', sale(id, { skus: [{ sku: 'x', stock: 1 }] }), publisher)).status, 201);
  const a = await user('idem-a');
  const b = await user('idem-b');
  const held = await a.request({ type: 'reserve', sale_id: id, sku: 'x', qty: 1 });
  assert.equal(held.type, 'reply', JSON.stringify(held));
  const first = await b.request({ type: 'reserve', sale_id: id, sku: 'x', qty: 1, client_req_id: 'r1' });
  assert.equal(first.code, 'sold_out');
  assert.equal((await a.request({ type: 'release', sale_id: id, reservation_id: (held.reservation as { id: string }).id })).type, 'reply');
  const again = await b.request({ type: 'reserve', sale_id: id, sku: 'x', qty: 1, client_req_id: 'r1' });
  assert.deepEqual({ ...again, ref: undefined }, { ...first, ref: undefined }, `the first answer, not ${JSON.stringify(again)}`);
  const fresh = await b.request({ type: 'reserve', sale_id: id, sku: 'x', qty: 1, client_req_id: 'r2' });
  assert.equal(fresh.type, 'reply', JSON.stringify(fresh));
  await Promise.all([a.close(), b.close()]);
});
