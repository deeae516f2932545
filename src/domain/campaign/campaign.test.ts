// Campaigns black-box over WebSocket and REST, on one in-process node with two
// host threads: the campaign actor passivates before its window and its
// reminder brings it back to send, to users and to a channel.
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
const PROMO = { promotion_name: { en: 'Victory Day Sale', bn: 'বিজয় দিবস সেল' }, discount_percentage: 16, ends_at: '2026-12-16T23:59:00+06:00' };

before(async () => {
  // Idle actors passivate within ~150 ms, so a campaign due in 1.5 s is woken by its reminder.
  // Prayer quiet is off here: the wall clock may be in a quiet window (quiet.test.ts covers it).
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

test('a campaign to a user list and one to a channel fire at their window start, once; GET shows them sent', T, async () => {
  const shopper = await node.connect({ token: await token({ sub: 'shopper1', roles: ['customer'] }), lang: 'bn' });
  const watcher = await node.connect();
  await watcher.request({ type: 'join_channel', channels: ['promo:bijoy'] });

  const start = Date.now() + 1500;
  const passivated = passivatedAt(node.actors, 'campaign:bijoy-users');
  const toUsers = await rest.post('campaigns', { id: 'bijoy-users', notification_type: 'promotion_alert', params: PROMO, data: { action_url: '/promo/bijoy' }, audience: { user_ids: ['shopper1', 'offline1'] }, starts_at: isoIn(0, start), ends_at: isoIn(3_600_000, start) }, publisher);
  assert.equal(toUsers.status, 201, JSON.stringify(toUsers.body));
  assert.equal(toUsers.body.status, 'scheduled');
  assert.equal(toUsers.body.priority, 'low');
  const toChannel = await rest.post('campaigns', { id: 'bijoy-channel', notification_type: 'promotion_alert', params: PROMO, audience: { channel: 'promo:bijoy' }, starts_at: isoIn(0, start), ends_at: isoIn(3_600_000, start) }, publisher);
  assert.equal(toChannel.status, 201, JSON.stringify(toChannel.body));

  const slept = await withTimeout(passivated, { what: 'the campaign actor passivating before its start' });
  assert.ok(slept < start, 'passivated before the start: its persisted reminder woke it');
  const got = await withTimeout(shopper.next((f) => f.type === 'notification'), { what: 'the campaign notification' });
  assert.ok(Date.now() >= start - 5, 'not before the window start');
  assert.equal(got.notification_type, 'promotion_alert');
  assert.equal(got.title, 'বিজয় দিবস সেল');
  assert.equal(got.message, '১৬% পর্যন্ত ছাড়! অফার চলবে ১৬ ডিসেম্বর, ১ পৌষ, রাত ১১:৫৯ পর্যন্ত।');
  assert.deepEqual(got.data, { action_url: '/promo/bijoy', campaign_id: 'bijoy-users' });
  const ev = await withTimeout(watcher.next((f) => f.type === 'event' && f.event_type === 'campaign'), { what: 'the campaign event' });
  assert.equal(ev.channel, 'promo:bijoy');
  assert.deepEqual((ev.data as { title: unknown }).title, { en: 'Victory Day Sale', bn: 'বিজয় দিবস সেল' });

  // The offline user finds it queued.
  const offline = await token({ sub: 'offline1', roles: ['customer'] });
  const listed = await waitFor(() => rest.get('notifications', offline), (r) => r.body.notifications?.length === 1);
  assert.equal(listed.body.notifications[0].status, 'queued');

  const shown = await waitFor(() => rest.get('campaigns/bijoy-users', publisher), (r) => r.body.status === 'sent');
  assert.equal(shown.body.sent, 2);
  assert.equal((await rest.get('campaigns/bijoy-channel', publisher)).body.status, 'sent');
  await Promise.all([shopper.close(), watcher.close()]);
});

test('campaigns: server roles only, duplicate id 409, bad fields 400 naming the field, unknown 404; a festival anchor answers its window', T, async () => {
  const customer = await token({ sub: 'c1', roles: ['customer'] });
  const body = { id: 'eid-2027', notification_type: 'promotion_alert', params: PROMO, audience: { channel: 'promo:eid' }, festival: { name: 'eid_ul_fitr', year: 2027 } };
  assert.equal((await rest.post('campaigns', body, customer)).status, 403);
  assert.equal((await rest.post('campaigns', body)).status, 401);
  const created = await rest.post('campaigns', body, publisher);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body.festival, { name: 'eid_ul_fitr', day: '2027-03-10', adjust_days: 1 });
  assert.equal(created.body.starts_at, '2027-03-10T09:00:00.000+06:00');
  assert.equal((await rest.post('campaigns', body, publisher)).status, 409);
  const bad = await rest.post('campaigns', { ...body, id: 'x', festival: { name: 'eid_ul_fitr', adjust_days: 5 } }, publisher);
  assert.deepEqual([bad.status, bad.body.code], [400, 'bad_request']);
  assert.match(bad.body.message, /^festival\.adjust_days/);
  const noParam = await rest.post('campaigns', { ...body, id: 'y', params: {} }, publisher);
  assert.equal(noParam.status, 400);
  assert.match(noParam.body.message, /promotion_name/);
  assert.equal((await rest.get('campaigns/none', publisher)).status, 404);
  assert.equal((await rest.get('campaigns/eid-2027', customer)).status, 403);
  assert.equal((await rest.get('campaigns/eid-2027', publisher)).body.status, 'scheduled');
});

test('campaigns: params and data keys named __proto__ or constructor are kept (POST, GET, the notification), for a user named __proto__', T, async () => {
  const user = await node.connect({ token: await token({ sub: '__proto__', roles: ['customer'] }) });
  // Parsed from text: `{ __proto__: ... }` in a literal would set the prototype, not make a key.
  const params = { ...PROMO, ...(JSON.parse('{"__proto__":{"x":1},"constructor":"c"}') as Record<string, unknown>) };
  const data = JSON.parse('{"__proto__":{"x":1},"constructor":"c","action_url":"/promo/p"}') as Record<string, unknown>;
  const start = Date.now() + 300;
  const created = await rest.post('campaigns', { id: 'proto-keys', notification_type: 'promotion_alert', params, data, audience: { user_ids: ['__proto__'] }, starts_at: isoIn(0, start), ends_at: isoIn(3_600_000, start) }, publisher);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const shown = (await rest.get('campaigns/proto-keys', publisher)).body;
  for (const view of [created.body, shown]) {
    assert.equal(JSON.stringify(view.params), JSON.stringify(params));
    assert.equal(JSON.stringify(view.data), JSON.stringify(data));
  }
  const got = await withTimeout(user.next((f) => f.type === 'notification'), { what: 'the campaign notification' });
  assert.equal(JSON.stringify(got.data), JSON.stringify({ ...data, campaign_id: 'proto-keys' }));
  await user.close();
});
