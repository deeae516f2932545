// Presence and notifications black-box over WebSocket and REST (PROTOCOL.md
// §5, §10), on one in-process node with two host threads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../../testkit/node.ts';
import { restClient } from '../../testkit/commerce.ts';
import { waitFor, withTimeout } from '../../testkit/wait.ts';
import type { Frame, TestClient } from '../../testkit/ws-client.ts';

let node: TestNode;
let rest: ReturnType<typeof restClient>;
let publisher: string;
const T = { timeout: 60_000 };
const GRACE_MS = 300;

before(async () => {
  node = await startTestNode({ actors: { workers: 2, reminderPollMs: 50 }, users: { offlineGraceMs: GRACE_MS }, gateway: { messagesPerSecond: 1000 } });
  rest = restClient(node.http);
  publisher = await token({ sub: 'pub', roles: ['publisher'] });
});
after(async () => {
  await node.stop();
});

const tokenOf = (sub: string, roles: string[] = ['customer'], lang?: string): Promise<string> => token({ sub, roles, ...(lang ? { lang } : {}) });
async function device(sub: string, query: Record<string, string> = {}): Promise<TestClient> {
  return node.connect({ token: await tokenOf(sub), ...query });
}

/**
 * Every frame a client got from its connection up to the answer of an `ack`
 * of nothing: the user actor handles the connection's `connect` (whose answer
 * brings the queued notifications) before that ack, and answers in order.
 */
async function framesUntilUserSync(c: TestClient): Promise<Frame[]> {
  await c.request({ type: 'ack', notification_ids: ['nt_sync'] });
  return [...c.frames];
}

test('presence: devices on every connection, status and page, who sees what, offline after the grace period', T, async () => {
  const [a1, a2] = [await device('alice', { device: 'android' }), await device('alice', { device: 'web' })];
  const bob = await tokenOf('bob');
  const support = await tokenOf('sam', ['support']);
  const admin = await tokenOf('ada', ['admin']);
  const alice = await tokenOf('alice');
  const seen = await waitFor(() => rest.get('presence/alice', bob), (r) => r.body.devices === 2);
  assert.deepEqual({ ...seen.body, last_seen: undefined }, { user_id: 'alice', status: 'online', devices: 2, last_seen: undefined });

  const r = await a1.request({ type: 'presence', status: 'busy', current_page: '/p/p1', shopping_activity: { viewing: 'p1', cart_items: 2 } });
  assert.deepEqual({ type: r.type, ok: r.ok }, { type: 'reply', ok: true });
  assert.deepEqual((await rest.get('presence/alice', bob)).body.current_page, undefined, 'others do not learn the page');
  assert.equal((await rest.get('presence/alice', bob)).body.status, 'busy');
  for (const who of [alice, support, admin]) {
    const v = (await rest.get('presence/alice', who)).body;
    assert.equal(v.current_page, '/p/p1');
    assert.deepEqual(v.shopping_activity, { viewing: 'p1', cart_items: 2 });
  }

  // Invisible: offline to others (support included), the real status to herself and admins.
  const hiddenBefore = Date.now();
  assert.equal((await rest.put('presence', { status: 'invisible' }, alice)).status, 200);
  const hiddenAfter = Date.now();
  assert.deepEqual([(await rest.get('presence/alice', bob)).body.status, (await rest.get('presence/alice', bob)).body.devices], ['offline', 0]);
  // Nor does last_seen give her away: it stays when she turned invisible, while a connected user's moves on.
  let shown: { last_seen: string };
  do shown = (await rest.get('presence/alice', bob)).body;
  while (Date.now() < hiddenAfter + 20);
  const lastSeen = Date.parse(shown.last_seen);
  assert.ok(lastSeen >= hiddenBefore - 1 && lastSeen <= hiddenAfter, `last_seen ${shown.last_seen} is when she turned invisible (${hiddenBefore}..${hiddenAfter})`);
  assert.ok(Date.parse((await rest.get('presence/alice', admin)).body.last_seen) > hiddenAfter, 'an admin sees her connected now');
  assert.equal((await rest.get('presence/alice', support)).body.status, 'offline');
  assert.equal((await rest.get('presence/alice', admin)).body.status, 'invisible');
  assert.equal((await rest.get('presence/alice', alice)).body.status, 'invisible');
  const online = (await rest.get('online-users', admin)).body;
  assert.deepEqual(online.users.filter((u: { user_id: string }) => u.user_id === 'alice'), [{ user_id: 'alice', status: 'invisible' }]);
  assert.deepEqual((await rest.get('online-users', support)).body.users.filter((u: { user_id: string }) => u.user_id === 'alice'), []);
  assert.equal((await rest.get('online-users', bob)).status, 403);
  await a2.request({ type: 'presence', status: 'away' });

  // Bulk: known and never-seen users (offline, not 404).
  const bulk = (await rest.get('presence/bulk?user_ids=alice,nobody-ever', bob)).body.presence;
  assert.equal(bulk.alice.status, 'away');
  assert.deepEqual(bulk['nobody-ever'], { user_id: 'nobody-ever', status: 'offline', devices: 0, last_seen: null });

  // The last device leaves: still `away` within the grace period, then offline.
  await a1.close();
  await a2.close();
  const left = Date.now();
  const off = await waitFor(() => rest.get('presence/alice', bob), (x) => x.body.status === 'offline', { timeoutMs: 10_000 });
  assert.ok(Date.now() - left >= GRACE_MS - 50, 'not before the grace period');
  assert.equal(off.body.devices, 0);
  assert.ok(typeof off.body.last_seen === 'string' && off.body.last_seen.endsWith('+06:00'));
});

test('presence: bad input is refused with the catalogue codes', T, async () => {
  const bob = await tokenOf('bob');
  assert.equal((await rest.put('presence', { status: 'asleep' }, bob)).status, 400);
  assert.equal((await rest.put('presence', { status: 'online' })).status, 401);
  assert.equal((await rest.get('presence/bob')).status, 401);
  assert.equal((await rest.get('presence/bulk?user_ids=', bob)).status, 400);
  const guest = await node.connect();
  assert.equal((await guest.request({ type: 'presence', status: 'online' })).code, 'unauthorized');
  const c = await device('bob');
  assert.equal((await c.request({ type: 'presence', status: 'asleep' })).code, 'bad_request');
  assert.equal((await c.request({ type: 'ack', notification_ids: [] })).code, 'bad_request');
  await Promise.all([guest.close(), c.close()]);
});

test('notifications: rendered per connection language, queued while offline, redelivered until acked, then not', T, async () => {
  const online = await device('nadia', { lang: 'bn' });
  const post = await rest.post(
    'notifications',
    { user_ids: ['nadia', 'omar'], notification_type: 'price_drop_alert', params: { product_name: { en: 'iPhone 14 Pro', bn: 'আইফোন ১৪ প্রো' }, discount_percentage: 10, new_price: 1350 }, data: { product_id: 'p1', action_url: '/p/p1' }, priority: 'high' },
    publisher,
  );
  assert.equal(post.status, 202, JSON.stringify(post.body));
  assert.deepEqual(post.body.notifications.map((n: { user_id: string }) => n.user_id).sort(), ['nadia', 'omar']);
  const idOf = (u: string): string => post.body.notifications.find((n: { user_id: string }) => n.user_id === u).id;

  // Online, lang=bn: the Bengali text of PROTOCOL.md §2, with ৳ and Bengali digits.
  const got = await withTimeout(online.next((f) => f.type === 'notification'), { what: 'live notification' });
  assert.deepEqual({ ...got, created_at: undefined }, {
    type: 'notification',
    id: idOf('nadia'),
    notification_type: 'price_drop_alert',
    priority: 'high',
    title: 'দাম কমেছে!',
    message: 'আইফোন ১৪ প্রো এর দাম ১০% কমেছে, এখন মাত্র ৳১,৩৫০।',
    data: { product_id: 'p1', action_url: '/p/p1' },
    created_at: undefined,
  });
  assert.match(String(got.created_at), /\+06:00$/);

  // Offline: queued, then sent when omar connects (English), again on the next connection until acked.
  const omarToken = await tokenOf('omar');
  const queued = await rest.get('notifications', omarToken);
  assert.deepEqual(queued.body.notifications.map((n: { status: string }) => n.status), ['queued']);
  const o1 = await device('omar');
  const first = await withTimeout(o1.next((f) => f.type === 'notification'), { what: 'queued notification' });
  assert.equal(first.id, idOf('omar'));
  assert.equal(first.title, 'Price drop!');
  await o1.close();
  const o2 = await device('omar');
  const again = await withTimeout(o2.next((f) => f.type === 'notification'), { what: 'redelivery' });
  assert.equal(again.id, idOf('omar'));
  const acked = await o2.request({ type: 'ack', notification_ids: [idOf('omar'), 'nt_unknown'] });
  assert.deepEqual({ type: acked.type, ok: acked.ok, acked: acked.acked }, { type: 'reply', ok: true, acked: 1 });
  await o2.close();
  const o3 = await device('omar');
  assert.deepEqual((await framesUntilUserSync(o3)).filter((f) => f.type === 'notification'), [], 'acked: not sent again');
  const listed = (await rest.get('notifications', omarToken)).body.notifications;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].status, 'acked');
  assert.ok(listed[0].delivered_at !== null && listed[0].acked_at !== null);
  assert.equal((await rest.get('notifications?status=queued', omarToken)).body.notifications.length, 0);
  // Only the user and the server roles list them.
  assert.equal((await rest.get('notifications?user_id=omar', await tokenOf('nadia'))).status, 403);
  assert.equal((await rest.get('notifications?user_id=omar', publisher)).status, 200);
  // The delivery counts are on the event record.
  await waitFor(async () => node.store.events.listByChannel('notifications'), (p) => p.items.some((e) => e.delivery.total === 2 && e.delivery.delivered === 2));
  await Promise.all([online.close(), o3.close()]);
});

test('notifications: expire after ttl_s; bad calls are 400/403', T, async () => {
  const post = await rest.post('notifications', { user_ids: ['pavel'], notification_type: 'restock_notification', params: { product_name: 'Walton Primo R10' }, ttl_s: 1 }, publisher);
  assert.equal(post.status, 202);
  const pavel = await tokenOf('pavel');
  const expired = await waitFor(() => rest.get('notifications', pavel), (r) => r.body.notifications[0]?.status === 'expired', { timeoutMs: 5_000 });
  assert.equal(expired.body.notifications.length, 1);
  const c = await device('pavel');
  assert.deepEqual((await framesUntilUserSync(c)).filter((f) => f.type === 'notification'), [], 'expired: never delivered');
  await c.close();

  assert.equal((await rest.post('notifications', { user_ids: ['x'], notification_type: 'restock_notification', params: {} }, publisher)).status, 400);
  assert.match((await rest.post('notifications', { user_ids: ['x'], notification_type: 'restock_notification', params: {} }, publisher)).body.message, /product_name/);
  assert.equal((await rest.post('notifications', { user_ids: ['x'], notification_type: 'no_such_type' }, publisher)).status, 400);
  assert.equal((await rest.post('notifications', { user_ids: ['x'], notification_type: 'restock_notification', params: { product_name: 'a' } }, pavel)).status, 403);
});

test('notifications: a retried POST with the same client_msg_id queues nothing twice', T, async () => {
  const body = { user_ids: ['rina'], notification_type: 'order_status_update', params: { order_id: 'HT-1', status: 'shipped' }, client_msg_id: 'order-HT-1-shipped' };
  const a = await rest.post('notifications', body, publisher);
  const b = await rest.post('notifications', body, publisher);
  assert.deepEqual(a.body, b.body);
  const c = await device('rina');
  const frames = (await framesUntilUserSync(c)).filter((f) => f.type === 'notification');
  assert.equal(frames.length, 1);
  await c.close();
});

test('notifications: a data key named __proto__ or constructor is kept, for recipients named so too (frame and listing)', T, async () => {
  const users = ['__proto__', 'constructor'];
  const devices = await Promise.all(users.map((u) => device(u)));
  // Parsed from text: `{ __proto__: ... }` in a literal would set the prototype, not make a key.
  const data = JSON.parse('{"__proto__":{"x":1},"constructor":"c","product_id":"p1"}') as Record<string, unknown>;
  const post = await rest.post('notifications', { user_ids: users, notification_type: 'restock_notification', params: { product_name: 'Walton Primo R10' }, data }, publisher);
  assert.equal(post.status, 202, JSON.stringify(post.body));
  assert.deepEqual(post.body.notifications.map((n: { user_id: string }) => n.user_id).sort(), [...users].sort());
  for (const [i, u] of users.entries()) {
    const got = await withTimeout(devices[i]!.next((f) => f.type === 'notification'), { what: `${u}'s notification` });
    assert.equal(JSON.stringify(got.data), JSON.stringify(data), u);
    const listed = (await rest.get('notifications', await tokenOf(u))).body.notifications;
    assert.deepEqual(listed.map((n: { data: unknown }) => JSON.stringify(n.data)), [JSON.stringify(data)], u);
  }
  await Promise.all(devices.map((d) => d.close()));
});
