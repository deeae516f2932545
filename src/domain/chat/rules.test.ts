import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notificationRenderer } from '../../i18n/render.ts';
import { loadNotificationTemplates } from '../../i18n/load-templates.ts';
import { chatNotification, checkMessageText, CHAT_NOTIFICATION_TTL_MS, isParticipant, joinDecision, messageDedupe, newRoom, othersThan, previewOf, roleOf } from './rules.ts';

const caller = (user_id: string, roles: string[] = ['customer']) => ({ user_id, roles });

test('newRoom puts the caller first with a role from the token, then the named participants once each', () => {
  const r = newRoom('r1', { type: 'vendor', participants: [{ user_id: 'b' }, { user_id: 'a', role: 'vendor' }, { user_id: 'b', role: 'admin' }, { user_id: 'c', role: 'support' }], metadata: {} }, caller('a', ['seller']), 1000);
  assert.deepEqual(r.participants, [
    { user_id: 'a', role: 'vendor', joined_at: 1000 },
    { user_id: 'b', role: 'member', joined_at: 1000 },
    { user_id: 'c', role: 'support', joined_at: 1000 },
  ]);
  assert.deepEqual([roleOf(['customer']), roleOf(['admin']), roleOf(['support', 'admin']), roleOf(['seller'])], ['customer', 'admin', 'support', 'vendor']);
  assert.throws(() => newRoom('r2', { type: 'group', participants: Array.from({ length: 100 }, (_, i) => ({ user_id: `u${i}` })), metadata: {} }, caller('me'), 0), /participants/);
});

test('joinDecision: participants are in already; support and admin are added; anyone else is forbidden', () => {
  const r = newRoom('r1', { type: 'customer_support', participants: [{ user_id: 'b' }], metadata: {} }, caller('a'), 0);
  assert.deepEqual(joinDecision(r, caller('b')), { kind: 'already' });
  assert.deepEqual(joinDecision(r, caller('s', ['support'])), { kind: 'add', role: 'support' });
  assert.deepEqual(joinDecision(r, caller('x', ['admin'])), { kind: 'add', role: 'admin' });
  assert.deepEqual(joinDecision(r, caller('e', ['customer', 'publisher'])), { kind: 'forbidden' });
  assert.deepEqual([isParticipant(r, 'a'), isParticipant(r, 'e')], [true, false]);
  assert.deepEqual(othersThan(r, 'a'), ['b']);
});

test('checkMessageText: not empty, at most 4,000 characters counted as code points', () => {
  assert.match(checkMessageText('')!.message, /^message: /);
  assert.equal(checkMessageText('😀'.repeat(4000)), undefined);
  assert.match(checkMessageText('😀'.repeat(4001))!.message, /4000/);
  assert.equal(checkMessageText('আ'.repeat(4000)), undefined);
});

test('messageDedupe is per sender and client_msg_id; none without a client_msg_id', () => {
  assert.equal(messageDedupe('a', 'c1'), 'a|c1');
  assert.notEqual(messageDedupe('a', 'c1'), messageDedupe('b', 'c1'));
  assert.equal(messageDedupe('a', undefined), undefined);
});

test('chatNotification renders chat_message in English and Bengali with the sender and an 80-character preview', () => {
  const render = notificationRenderer(loadNotificationTemplates());
  const text = 'আমার অর্ডার কবে আসবে? '.repeat(10);
  const n = chatNotification(render, { room_id: 'r1', offset: 7, sender_id: 'u42', message: text, at: 5000, recipient: 'u7' });
  assert.equal(previewOf(text), [...text].slice(0, 80).join(''));
  assert.deepEqual(n, {
    id: 'chat_r1_7_u7',
    notification_type: 'chat_message',
    title: { en: 'New message from u42', bn: 'u42 আপনাকে বার্তা পাঠিয়েছেন' },
    message: { en: previewOf(text), bn: previewOf(text) },
    data: { room_id: 'r1', offset: 7, sender_id: 'u42' },
    priority: 'normal',
    created_at: 5000,
    expires_at: 5000 + CHAT_NOTIFICATION_TTL_MS,
  });
  assert.equal(previewOf('short'), 'short');
});
