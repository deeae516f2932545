// flash_sale_starting at a sale's start, black-box over WebSocket and REST:
// users given with the sale and users who asked later are told once, when
// the sale actor's start reminder comes (the actor has passivated by then).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../../testkit/node.ts';
import { isoIn, restClient } from '../../testkit/commerce.ts';
import { waitFor, withTimeout } from '../../testkit/wait.ts';
import { passivatedAt } from '../../testkit/actors.ts';

let node: TestNode;
let rest: ReturnType<typeof restClient>;
let publisher: string;
const T = { timeout: 60_000 };

before(async () => {
  // Prayer quiet is off: the wall clock may be in a quiet window (user/quiet.test.ts covers it).
  node = await startTestNode({
    actors: { workers: 2, reminderPollMs: 50, passivateSweepMs: 50 },
    commerce: { idleMs: 100 },
    users: { prayerQuiet: { enabled: false, afterMinutes: 20, jumuahMinutes: 60 } },
    gateway: { messagesPerSecond: 1000 },
  });
  rest = restClient(node.http);
  publisher = await token({ sub: 'pub', roles: ['publisher'] });
});
after(async () => {
  await node.stop();
});


const saleBody = (id: string, startIn: number, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  title: 'Midnight Flash Sale',
  starts_at: isoIn(startIn),
  ends_at: isoIn(startIn + 3_600_000),
  per_user_limit: 1,
  hold_s: 600,
  skus: [{ sku: 'phone', stock: 5 }],
  ...over,
});

test('users named with the sale and users who asked later get flash_sale_starting at the start, once', T, async () => {
  const fan = await node.connect({ token: await token({ sub: 'fan1', roles: ['customer'] }) });
  const passivated = passivatedAt(node.actors, 'sale:start-s1');
  const created = await rest.post('sales', saleBody('start-s1', 2000, { notify_user_ids: ['fan1'], discount_percentage: 30 }), publisher);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const start = Date.parse(created.body.starts_at);
  const fan2 = await token({ sub: 'fan2', roles: ['customer'] });
  const asked = await rest.post('sales/start-s1/remind', {}, fan2);
  assert.deepEqual([asked.status, asked.body], [200, { ok: true, registered: 1, total: 2 }]);
  assert.deepEqual((await rest.post('sales/start-s1/remind', {}, fan2)).body, { ok: true, registered: 0, total: 2 }, 'asking twice is once');

  const slept = await withTimeout(passivated, { what: 'the sale actor passivating before its start' });
  assert.ok(slept < start, 'passivated before the start: its persisted reminder woke it');
  const got = await withTimeout(fan.next((f) => f.type === 'notification'), { what: 'flash_sale_starting' });
  assert.ok(Date.now() >= start - 5, 'not before the start');
  assert.deepEqual([got.notification_type, got.priority, got.title], ['flash_sale_starting', 'low', 'Flash sale starting soon!']);
  assert.match(got.message as string, /^Midnight Flash Sale starts .* Up to 30% off/);
  assert.deepEqual(got.data, { sale_id: 'start-s1', action_url: '/sales/start-s1' });
  const listed = await waitFor(() => rest.get('notifications', fan2), (r) => r.body.notifications?.length === 1);
  assert.equal(listed.body.notifications[0].notification_type, 'flash_sale_starting');
  // After the start: asking is refused, and the sale itself is open as usual.
  assert.equal((await rest.post('sales/start-s1/remind', {}, fan2)).status, 409);
  assert.equal((await rest.get('sales/start-s1')).body.status, 'open');
  await fan.close();
});

test('remind: sign-in required, user_ids for the server roles only, unknown sale 404, reminders need a discount', T, async () => {
  const customer = await token({ sub: 'c1', roles: ['customer'] });
  assert.equal((await rest.post('sales', saleBody('start-s2', 600_000), publisher)).status, 201);
  assert.equal((await rest.post('sales/start-s2/remind', {})).status, 401);
  assert.equal((await rest.post('sales/start-s2/remind', { user_ids: ['someone'] }, customer)).status, 403);
  const noDiscount = await rest.post('sales/start-s2/remind', {}, customer);
  assert.deepEqual([noDiscount.status, noDiscount.body.code], [400, 'bad_request']);
  assert.deepEqual((await rest.post('sales/start-s2/remind', { user_ids: ['a', 'b'], discount_percentage: 20 }, publisher)).body, { ok: true, registered: 2, total: 2 });
  assert.deepEqual((await rest.post('sales/start-s2/remind', {}, customer)).body, { ok: true, registered: 1, total: 3 });
  assert.equal((await rest.post('sales/none/remind', {}, customer)).status, 404);
  const bad = await rest.post('sales', saleBody('start-s3', 600_000, { notify_user_ids: ['a'] }), publisher);
  assert.deepEqual([bad.status, bad.body.message], [400, 'discount_percentage: required with notify_user_ids']);
  assert.equal((await rest.post('sales', saleBody('start-s4', -1000, { notify_user_ids: ['a'], discount_percentage: 5 }), publisher)).status, 400);
});
