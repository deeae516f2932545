// Campaign rules and bodies, with a hand-set clock: festival windows, what a
// campaign sends when its reminder comes, and the actor across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { campaignBody, campaignSpec } from '../../gateway/campaign-bodies.ts';
import { parseBody } from '../../gateway/rest.ts';
import { fire, newCampaign, type CampaignSpec } from './rules.ts';
import { notificationOf } from '../notification/notify.ts';
import { campaignBehaviour } from './actor.ts';
import { fakeActor } from '../../testkit/fake-context.ts';
import { dhakaTime } from '../../time/dhaka-day.ts';
import { toDhakaIso } from '../../time/clock.ts';
import { HaatError } from '../../errors.ts';
import type { NotifyEntry, ChannelEntry } from '../commerce/outbox.ts';

const NOW = dhakaTime(2026, 12, 6, 15, 0);
const PROMO = { promotion_name: { en: 'Eid Mubarak Sale', bn: 'ঈদ মোবারক সেল' }, discount_percentage: 40, ends_at: '2027-03-12T23:59:00+06:00' };

function spec(body: Record<string, unknown>, now = NOW): CampaignSpec {
  return campaignSpec(parseBody(campaignBody, body), now);
}
function refused(body: Record<string, unknown>): string {
  try {
    spec(body);
  } catch (err) {
    assert.ok(err instanceof HaatError && err.code === 'bad_request', String(err));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(body)}`);
}

test('a festival anchor becomes a window in Dhaka time: Eid-ul-Fitr a day after Umm al-Qura unless adjusted', () => {
  const base = { notification_type: 'promotion_alert', params: PROMO, audience: { channel: 'promo:eid' } };
  const eid = spec({ ...base, festival: { name: 'eid_ul_fitr' } });
  // Umm al-Qura: 1 Shawwal 1448 is 9 March 2027; Bangladesh's default is the 10th.
  assert.deepEqual(eid.festival, { name: 'eid_ul_fitr', day: '2027-03-10', adjust_days: 1 });
  assert.equal(toDhakaIso(eid.startsAt), '2027-03-10T09:00:00.000+06:00');
  assert.equal(toDhakaIso(eid.endsAt), '2027-03-11T09:00:00.000+06:00');
  const sighted = spec({ ...base, festival: { name: 'eid_ul_fitr', adjust_days: 2, at: '07:30', hours: 6 } });
  assert.equal(toDhakaIso(sighted.startsAt), '2027-03-11T07:30:00.000+06:00');
  assert.equal(toDhakaIso(sighted.endsAt), '2027-03-11T13:30:00.000+06:00');
  assert.equal(spec({ ...base, festival: { name: 'victory_day' } }).festival!.day, '2026-12-16');
  assert.equal(spec({ ...base, festival: { name: 'pohela_boishakh', adjust_days: 2 } }).festival!.adjust_days, 0, 'fixed days are not adjusted');
  assert.equal(spec({ ...base, festival: { name: 'independence_day', year: 2027 } }).festival!.day, '2027-03-26');
  assert.equal(spec({ ...base, festival: { name: 'victory_day' } }).priority, 'low', 'campaigns are promotions: low unless told');
});

test('bad campaigns are 400 naming the field', () => {
  const ok = { notification_type: 'promotion_alert', params: PROMO, audience: { user_ids: ['u1'] }, starts_at: toDhakaIso(NOW + 60_000), ends_at: toDhakaIso(NOW + 3_600_000) };
  assert.match(refused({ ...ok, notification_type: 'spam' }), /^notification_type/);
  assert.match(refused({ ...ok, params: { promotion_name: 'x' } }), /discount_percentage/);
  assert.match(refused({ ...ok, audience: { user_ids: [] } }), /^audience/);
  assert.match(refused({ ...ok, audience: { channel: 'user:u1' } }), /^audience\.channel/);
  assert.match(refused({ ...ok, starts_at: undefined }), /^starts_at/);
  assert.match(refused({ ...ok, ends_at: toDhakaIso(NOW - 1000), starts_at: toDhakaIso(NOW - 5000) }), /^ends_at/);
  assert.match(refused({ ...ok, starts_at: '2027-01-01 09:00' }), /^starts_at/);
  assert.match(refused({ ...ok, festival: { name: 'eid_ul_fitr' } }), /^festival/);
  assert.match(refused({ ...ok, starts_at: undefined, ends_at: undefined, festival: { name: 'eid_ul_fitr', adjust_days: 3 } }), /^festival\.adjust_days/);
  assert.match(refused({ ...ok, starts_at: undefined, ends_at: undefined, festival: { name: 'diwali' } }), /^festival\.name/);
  assert.match(refused({ ...ok, starts_at: undefined, ends_at: undefined, festival: { name: 'victory_day', at: '25:00' } }), /^festival\.at/);
  assert.match(refused({ ...ok, surprise: 1 }), /surprise|body/);
  assert.equal(refused({ ...ok, starts_at: undefined, ends_at: undefined, festival: { name: 'victory_day', year: 2025 } }), 'festival: victory_day 2025-12-16 has passed');
});

test('fire: early, then one send to each user (ids stable per user), then done; a window that ended unsent is missed', () => {
  const s = spec({ id: 'eid1', notification_type: 'promotion_alert', params: PROMO, audience: { user_ids: ['u1', 'u2', 'u1'] }, starts_at: toDhakaIso(NOW + 60_000), ends_at: toDhakaIso(NOW + 3_600_000) });
  const c = newCampaign(s, NOW);
  assert.deepEqual(fire(c, NOW), { kind: 'early' });
  const v = fire(c, NOW + 60_000);
  assert.equal(v.kind, 'send');
  const entries = (v as { entries: NotifyEntry[] }).entries;
  assert.deepEqual(entries.map((e) => e.user), ['u1', 'u2']);
  assert.equal(notificationOf(entries[0]!).priority, 'low');
  assert.equal(notificationOf(entries[0]!).expires_at, NOW + 3_600_000, 'expires at the window end');
  assert.equal(notificationOf(entries[0]!).title.bn, 'ঈদ মোবারক সেল');
  assert.deepEqual(notificationOf(entries[0]!).data, { campaign_id: 'eid1' });
  assert.equal(notificationOf((fire(c, NOW + 60_000) as { entries: NotifyEntry[] }).entries[0]!).id, notificationOf(entries[0]!).id, 'a replay queues nothing twice');
  assert.deepEqual(fire(c, NOW + 3_600_000), { kind: 'missed' });
});

test('campaign actor: the reminder fires at the window start after a restart, once; a channel audience gets one event in both languages', async () => {
  const a = await fakeActor(campaignBehaviour({ dedupeTtlMs: 900_000, idleMs: 1000 }), 'campaign:boishakh', NOW);
  const s = spec({ id: 'boishakh', notification_type: 'promotion_alert', params: PROMO, audience: { channel: 'promo:boishakh' }, festival: { name: 'pohela_boishakh', at: '08:00' } });
  const view = (await a.handle({ type: 'create', spec: s })) as Record<string, unknown>;
  assert.equal(view.status, 'scheduled');
  assert.equal(view.starts_at, '2027-04-14T08:00:00.000+06:00');
  assert.equal(a.reminders.get('start'), s.startsAt);
  await assert.rejects(a.handle({ type: 'create', spec: s }), { code: 'conflict' });

  await a.restart();
  a.at(s.startsAt);
  await a.handle({ type: 'reminder', name: 'start', due_at: s.startsAt });
  assert.equal(a.reminders.has('start'), false);
  assert.equal(a.sent.length, 1);
  assert.equal(a.reminders.get('forget'), s.startsAt + 450_001, 'the outbox is kept while a replay could still be deduplicated');
  const [out] = a.sent;
  assert.equal(out!.to, 'channel:promo:boishakh');
  const data = JSON.parse(out!.msg.data_json as string);
  assert.equal(out!.msg.event_type, 'campaign');
  assert.equal(out!.msg.dedupe, 'campaign|boishakh');
  assert.deepEqual(data.title, { en: 'Eid Mubarak Sale', bn: 'ঈদ মোবারক সেল' });
  assert.match(data.message.bn, /১২ মার্চ, ২৭ ফাল্গুন, রাত ১১:৫৯/);
  // A late second reminder sends nothing more.
  await a.handle({ type: 'reminder', name: 'start', due_at: s.startsAt });
  assert.equal(a.sent.length, 1);
  const after = (await a.handle({ type: 'get' })) as Record<string, unknown>;
  assert.deepEqual([after.status, after.sent, after.sent_at], ['sent', 1, '2027-04-14T08:00:00.000+06:00']);
  a.at(s.startsAt + 450_001);
  await a.handle({ type: 'reminder', name: 'forget', due_at: s.startsAt + 450_001 });
  assert.equal((a.state() as { outbox: unknown }).outbox, null);
  assert.equal(a.reminders.has('forget'), false);
  assert.equal(((await a.handle({ type: 'get' })) as Record<string, unknown>).status, 'sent');
  await assert.rejects((await fakeActor(campaignBehaviour({ dedupeTtlMs: 1, idleMs: 1 }), 'campaign:none', NOW)).handle({ type: 'get' }), { code: 'not_found' });
});
