import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, paymentDedupe, paymentEventData, paymentNotificationParams } from './rules.ts';
import type { Payment } from './messages.ts';
import { checkClientEvent } from '../channel/event-schemas.ts';
import { renderBoth } from '../notification/notify.ts';

const p: Payment = { provider: 'nagad', payment_id: 'TRX7', order_id: 'o-7', user_id: 'u7', amount: 135050, status: 'success' };

test('the first call is processed; every later one is a duplicate, reporting the fields that differ', () => {
  assert.deepEqual(judge(null, p), { kind: 'first' });
  assert.deepEqual(judge(p, { ...p }), { kind: 'duplicate', differs: [] });
  assert.deepEqual(judge(p, { ...p, status: 'refunded', amount: 100 }), { kind: 'duplicate', differs: ['amount', 'status'] });
});

test('the event data is valid payment_status_update data (§3b) with the amount in taka; the notification renders in both languages', () => {
  const data = paymentEventData(p);
  assert.deepEqual(data, { order_id: 'o-7', payment_id: 'TRX7', provider: 'nagad', amount: 1350.5, status: 'success' });
  assert.equal(checkClientEvent('order', 'payment_status_update', data), undefined);
  const r = renderBoth('payment_status_update', paymentNotificationParams(p));
  assert.equal(r.message.en, 'Your Nagad payment of ৳1,350.50 for order #o-7 was successful.');
  assert.equal(r.message.bn, 'অর্ডার #o-7 এর ৳১,৩৫০.৫০ নগদ পেমেন্ট সফল হয়েছে।');
});

test('the dedupe key is per provider and payment id', () => {
  assert.notEqual(paymentDedupe(p), paymentDedupe({ ...p, provider: 'bkash' }));
  const other: Payment = { ...p, status: 'failed', amount: 1 };
  assert.equal(paymentDedupe(p), paymentDedupe(other));
});
