// Prayer-time quiet on the user actor, driven with a hand-set clock: low
// promotions wait for the window's end (a persisted reminder), the rest goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userBehaviour } from './actor.ts';
import { addHeld, holdForPrayer, mayWait, releaseDue, type Held, type PrayerQuietConfig } from './quiet.ts';
import type { NewNotification, UserMessage } from './messages.ts';
import { fakeActor } from '../../testkit/fake-context.ts';
import { dhakaTime } from '../../time/dhaka-day.ts';
import type { DeliverEmit } from './effects.ts';

const Q: PrayerQuietConfig = { enabled: true, afterMinutes: 20, jumuahMinutes: 60 };
// Friday 4 December 2026 in Dhaka: Asr 15:35 (quiet to 15:55), Jumu'ah 11:49 (to 12:49); Rajshahi's Asr 15:41 (to 16:01).
const IN_ASR = dhakaTime(2026, 12, 4, 15, 40);
const ASR_END = dhakaTime(2026, 12, 4, 15, 55);

function n(id: string, type: string, priority: NewNotification['priority'], at = IN_ASR): NewNotification {
  return { id, notification_type: type, title: { en: id, bn: id }, message: { en: id, bn: id }, data: {}, priority, created_at: at, expires_at: at + 24 * 3600_000 };
}

test('which notifications may wait: low promotions only', () => {
  assert.equal(mayWait(n('a', 'promotion_alert', 'low')), true);
  assert.equal(mayWait(n('b', 'flash_sale_starting', 'low')), true);
  assert.equal(mayWait(n('c', 'price_drop_alert', 'low')), true);
  assert.equal(mayWait(n('d', 'restock_notification', 'low')), true);
  assert.equal(mayWait(n('e', 'price_drop_alert', 'normal')), false, 'a promotion sent as normal goes');
  for (const t of ['order_status_update', 'payment_status_update', 'shipping_update', 'delivery_confirmation', 'order_reminder', 'auction_outbid', 'chat_message']) assert.equal(mayWait(n('x', t, 'low')), false, t);
});

test('holdForPrayer: inside a window the promotions wait until its end; outside, or disabled, everything goes', () => {
  const batch = [n('p', 'promotion_alert', 'low'), n('o', 'order_status_update', 'high')];
  const inside = holdForPrayer(batch, null, IN_ASR, Q);
  assert.deepEqual(inside.go.map((x) => x.id), ['o']);
  assert.deepEqual(inside.wait.map((h) => [h.notification.id, h.until]), [['p', ASR_END]]);
  assert.deepEqual(holdForPrayer(batch, null, dhakaTime(2026, 12, 4, 21, 0), Q).wait, []);
  assert.deepEqual(holdForPrayer(batch, null, IN_ASR, { ...Q, enabled: false }).wait, []);
  // At 15:38 Rajshahi has not begun Asr yet; Dhaka (the default) has.
  assert.deepEqual(holdForPrayer(batch, 'rajshahi', dhakaTime(2026, 12, 4, 15, 38), Q).wait, []);
  assert.equal(holdForPrayer(batch, null, dhakaTime(2026, 12, 4, 15, 38), Q).wait.length, 1);
  const held = [...inside.wait];
  assert.deepEqual(releaseDue(held, ASR_END - 1), []);
  assert.deepEqual(releaseDue(held, ASR_END).map((x) => x.id), ['p']);
  assert.equal(held.length, 0);
});

test('addHeld: new ids only, the newest `max` kept', () => {
  const held: Held[] = [];
  const w = (id: string): Held => ({ notification: n(id, 'promotion_alert', 'low'), until: ASR_END });
  assert.equal(addHeld(held, [w('a'), w('b'), w('a')], 3), 2);
  assert.equal(addHeld(held, [w('b'), w('c'), w('d')], 3), 2);
  assert.deepEqual(held.map((h) => h.notification.id), ['b', 'c', 'd']);
});

test('user actor: a promotion during Asr waits (persisted reminder), an order update does not; at the window end it is delivered', async () => {
  const a = await fakeActor(userBehaviour({ offlineGraceMs: 1000, limits: { queueMax: 100, historyMax: 100 }, idleMs: 1000, prayerQuiet: Q }), 'user:rahim', IN_ASR);
  await a.handle({ type: 'connect', session: 's1', node: 'n1', lang: 'bn', device: 'android', division: null } satisfies UserMessage);
  const reply = await a.handle({ type: 'notify', notifications: [n('promo1', 'promotion_alert', 'low'), n('order1', 'order_status_update', 'high')] });
  assert.deepEqual(reply, { queued: 1, held: 1 });
  const delivered = (): string[] => a.emitted.filter((e): e is DeliverEmit => (e as DeliverEmit).k === 'deliver').flatMap((e) => (e.frames.en ?? e.frames.bn ?? []).map((f) => JSON.parse(f).id as string));
  assert.deepEqual(delivered(), ['order1']);
  assert.equal(a.reminders.get('quiet'), ASR_END);
  // A retry of the same promotion is not held twice.
  assert.deepEqual(await a.handle({ type: 'notify', notifications: [n('promo1', 'promotion_alert', 'low')] }), { queued: 0 });

  // The actor passivates and comes back: the waiting promotion is in its persisted state.
  await a.restart();
  a.at(ASR_END);
  await a.handle({ type: 'reminder', name: 'quiet', due_at: ASR_END });
  assert.deepEqual(delivered(), ['order1', 'promo1']);
  assert.equal(a.reminders.has('quiet'), false);
  const list = (await a.handle({ type: 'list_notifications', limit: 10, cursor: null, lang: 'en' })) as { notifications: { id: string; status: string }[] };
  assert.deepEqual(list.notifications.map((x) => [x.id, x.status]).sort(), [['order1', 'delivered'], ['promo1', 'delivered']]);
});

test('user actor: the division of the connection picks the prayer times; offline users get the promotion queued at the window end', async () => {
  const at = dhakaTime(2026, 12, 4, 15, 58); // Dhaka's Asr quiet is over, Rajshahi's (15:41-16:01) is not
  const a = await fakeActor(userBehaviour({ offlineGraceMs: 1000, limits: { queueMax: 100, historyMax: 100 }, idleMs: 1000, prayerQuiet: Q }), 'user:karim', at);
  await a.handle({ type: 'connect', session: 's1', node: 'n1', lang: 'en', device: null, division: 'Rajshahi' });
  await a.handle({ type: 'disconnect', session: 's1' });
  assert.deepEqual(await a.handle({ type: 'notify', notifications: [n('promo2', 'price_drop_alert', 'low', at)] }), { queued: 0, held: 1 });
  assert.equal(a.reminders.get('quiet'), dhakaTime(2026, 12, 4, 16, 1));
  a.at(dhakaTime(2026, 12, 4, 16, 1));
  await a.handle({ type: 'reminder', name: 'quiet', due_at: dhakaTime(2026, 12, 4, 16, 1) });
  const list = (await a.handle({ type: 'list_notifications', limit: 10, cursor: null, lang: 'en' })) as { notifications: { id: string; status: string }[] };
  assert.deepEqual(list.notifications.map((x) => [x.id, x.status]), [['promo2', 'queued']]);
});

test('user actor: a release reminder that comes late, inside the next window, holds the promotion again until that one ends', async () => {
  const a = await fakeActor(userBehaviour({ offlineGraceMs: 1000, limits: { queueMax: 100, historyMax: 100 }, idleMs: 1000, prayerQuiet: Q }), 'user:late', IN_ASR);
  assert.deepEqual(await a.handle({ type: 'notify', notifications: [n('promo3', 'restock_notification', 'low')] }), { queued: 0, held: 1 });
  const inMaghrib = dhakaTime(2026, 12, 4, 17, 20); // Maghrib 17:11, quiet to 17:31
  a.at(inMaghrib);
  await a.handle({ type: 'reminder', name: 'quiet', due_at: ASR_END });
  assert.equal(a.reminders.get('quiet'), dhakaTime(2026, 12, 4, 17, 31));
  const list = (await a.handle({ type: 'list_notifications', limit: 10, cursor: null, lang: 'en' })) as { notifications: unknown[] };
  assert.equal(list.notifications.length, 0);
});
