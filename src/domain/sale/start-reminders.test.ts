import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newSale } from './rules.ts';
import { register, takeStartNotifications, type RemindedSale } from './start-reminders.ts';
import { dhakaTime } from '../../time/dhaka-day.ts';
import { notificationOf } from '../notification/notify.ts';

const START = dhakaTime(2026, 12, 11, 21, 0);
const sale = (): RemindedSale => newSale({ id: 's11', title: '১২.১২ ফ্ল্যাশ সেল', startsAt: START, endsAt: START + 3_600_000, perUserLimit: 1, holdMs: 600_000, skus: [{ sku: 'a', stock: 10, price: null }] }, START - 86_400_000);

test('register: new users only, a discount needed once, nothing after the start', () => {
  const s = sale();
  assert.deepEqual(register(s, ['u1'], undefined, START - 1000), { kind: 'refused', code: 'bad_request', message: 'discount_percentage: required for the first reminder of a sale' });
  assert.deepEqual(register(s, ['u1', 'u2', 'u1'], 70, START - 1000), { kind: 'registered', added: 2, total: 2 });
  assert.deepEqual(register(s, ['u2', 'u3'], undefined, START - 1000), { kind: 'registered', added: 1, total: 3 });
  assert.equal(register(s, ['u4'], undefined, START).kind, 'refused');
  assert.deepEqual(s.remind?.users, ['u1', 'u2', 'u3']);
});

test('takeStartNotifications: one flash_sale_starting per user, low priority, until the sale ends; then the list is empty', () => {
  const s = sale();
  register(s, ['u1', 'u2'], 70, START - 1000);
  const entries = takeStartNotifications(s, START);
  assert.deepEqual(entries.map((e) => e.user), ['u1', 'u2']);
  const n = notificationOf(entries[0]!);
  assert.equal(n.notification_type, 'flash_sale_starting');
  assert.equal(n.priority, 'low');
  assert.equal(n.expires_at, START + 3_600_000);
  assert.equal(n.message.en, "১২.১২ ফ্ল্যাশ সেল starts 11 Dec, 9:00 PM. Up to 70% off, don't miss it!");
  assert.match(n.message.bn, /১১ ডিসেম্বর, ২৬ অগ্রহায\u09bcণ, রাত ৯:০০/);
  assert.deepEqual(n.data, { sale_id: 's11', action_url: '/sales/s11' });
  assert.deepEqual(takeStartNotifications(s, START), [], 'sent once');
  assert.equal(s.remind?.sent, 2);
  const late = sale();
  register(late, ['u1'], 10, START - 1000);
  assert.deepEqual(takeStartNotifications(late, START + 3_600_000), [], 'nothing once the sale has ended');
});
