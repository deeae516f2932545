import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpamGuard, type SpamConfig } from './spam.ts';
import { findLinks, findPhones, normalizeForRepeat, similarity } from './spam-text.ts';

const CONFIG: SpamConfig = {
  enabled: true,
  windowMs: 60_000,
  historyMax: 20,
  maxRepeats: 3,
  similarity: 0.85,
  minRepeatChars: 8,
  maxLinksPerMessage: 2,
  maxLinkMessages: 3,
  maxPhonesPerMessage: 1,
  maxPhoneMessages: 2,
  newAccountMs: 10 * 60_000,
  newAccountMaxMessages: 1000,
  newAccountWindowMs: 60_000,
  newAccountMaxLinks: 1000,
  offenderRefusals: 3,
  offenderWindowMs: 60_000,
  maxTrackedUsers: 1000,
};

/** A guard whose users are all old (first seen an hour before `T0`). */
const T0 = 10_000_000;
function oldUsers(over: Partial<SpamConfig> = {}, users = ['u1', 'u2']): SpamGuard {
  const g = new SpamGuard({ ...CONFIG, ...over });
  for (const u of users) g.check(u, 'warmup', 'hello there', T0 - 3_600_000);
  return g;
}

test('normalization: case, whitespace, punctuation and digits (ASCII and Bengali)', () => {
  assert.equal(normalizeForRepeat('  BUY   now!!! 50% off, call 01712345678 '), 'buy now # off call #');
  assert.equal(normalizeForRepeat('অফার ৫০% ছাড়'), normalizeForRepeat('অফার 70% ছাড়'));
  assert.equal(normalizeForRepeat('Ｆｕｌｌｗｉｄｔｈ'), 'fullwidth');
});

test('similarity: equal 1, a changed word stays high, different texts low', () => {
  assert.equal(similarity('cheap phones at my shop', 'cheap phones at my shop'), 1);
  assert.ok(similarity('cheap phones at my shop today', 'cheap phones at my store today') >= 0.8);
  assert.ok(similarity('is the red one in stock?', 'when will my order arrive') < 0.4);
  assert.equal(similarity('a', 'b'), 0);
});

test('links: schemes, www, bare domains on common TLDs, messenger short links', () => {
  assert.equal(findLinks('see https://x.example/a?b=1 and www.deal.com').length, 2);
  assert.deepEqual(findLinks('join t.me/cheapdeals now'), ['t.me/cheapdeals']);
  assert.deepEqual(findLinks('visit daraz.com.bd'), ['daraz.com.bd']);
  assert.deepEqual(findLinks('price is 1.5 lakh. ok.'), []);
  assert.deepEqual(findLinks('size M.L or XL'), []);
});

test('phones: 01[3-9]XXXXXXXX, +880 and 880 forms, Bengali digits, separators', () => {
  assert.deepEqual(findPhones('call 01712345678'), ['01712345678']);
  assert.deepEqual(findPhones('call +880 1712-345678 or 8801712345678'), ['01712345678']);
  assert.deepEqual(findPhones('বিকাশ ০১৮১২৩৪৫৬৭৮'), ['01812345678']);
  assert.deepEqual(findPhones('01912 345 678, 01512345678'), ['01912345678', '01512345678']);
  assert.deepEqual(findPhones('order 01212345678 and 017123456789 and 0171234567'), [], '012 prefix, 12 and 10 digits are not mobile numbers');
  assert.deepEqual(findPhones('total 1712345678 taka'), [], 'no leading 0 and no country code');
});

test('repeats: the (maxRepeats+1)th similar message in the window is spam; digits do not make it new', () => {
  const g = oldUsers();
  for (let i = 0; i < 3; i++) assert.deepEqual(g.check('u1', 'r1', `Best price iPhone ${i + 1}4 Pro, inbox me`, T0 + i), { spam: false });
  const v = g.check('u1', 'r1', 'best price iphone 99 pro inbox me!!', T0 + 10);
  assert.equal(v.spam, true);
  assert.equal(v.spam && v.rule, 'repeat');
  // Another room, another user: their own histories.
  assert.equal(g.check('u1', 'r2', 'best price iphone 99 pro inbox me', T0 + 11).spam, false);
  assert.equal(g.check('u2', 'r1', 'best price iphone 99 pro inbox me', T0 + 12).spam, false);
  // Different messages are fine; short ones are never repeats.
  for (let i = 0; i < 10; i++) assert.equal(g.check('u2', 'r3', 'ok', T0 + 20 + i).spam, false);
  assert.equal(g.check('u2', 'r3', 'is the blue one still in stock?', T0 + 40).spam, false);
});

test('repeats leave the window: the same text is fine again after windowMs', () => {
  const g = oldUsers();
  for (let i = 0; i < 3; i++) g.check('u1', 'r1', 'follow my page for offers', T0 + i);
  assert.equal(g.check('u1', 'r1', 'follow my page for offers', T0 + 100).spam, true);
  assert.equal(g.check('u1', 'r1', 'follow my page for offers', T0 + 100 + 60_001).spam, false);
});

test('a retry with a client_msg_id already seen is not judged again', () => {
  const g = oldUsers();
  for (let i = 0; i < 3; i++) g.check('u1', 'r1', 'hello, is this available', T0 + i, `c${i}`);
  assert.equal(g.check('u1', 'r1', 'hello, is this available', T0 + 5, 'c0').spam, false, 'a retry');
  assert.equal(g.check('u1', 'r1', 'hello, is this available', T0 + 6, 'c9').spam, true);
});

test('link spam: too many in one message, or too many messages with links', () => {
  const g = oldUsers();
  const v = g.check('u1', 'r1', 'a.com b.com https://c.net', T0);
  assert.equal(v.spam && v.rule, 'links');
  const h = oldUsers();
  assert.equal(h.check('u1', 'r1', 'see www.shop-one.com', T0).spam, false);
  assert.equal(h.check('u1', 'r1', 'or t.me/deals', T0 + 1).spam, false);
  assert.equal(h.check('u1', 'r1', 'and bit.ly/x1', T0 + 2).spam, false);
  const w = h.check('u1', 'r1', 'last one https://example.org', T0 + 3);
  assert.equal(w.spam && w.rule, 'links');
});

test('phone spam: several numbers in one message, or numbers in too many messages', () => {
  const g = oldUsers();
  const v = g.check('u1', 'r1', 'call 01712345678 or ০১৮১২৩৪৫৬৭৮', T0);
  assert.equal(v.spam && v.rule, 'phones');
  const h = oldUsers();
  assert.equal(h.check('u1', 'r1', 'my number is 01712345678', T0).spam, false, 'a customer giving their number is fine');
  assert.equal(h.check('u1', 'r1', 'whatsapp +8801712345678', T0 + 1).spam, false);
  const w = h.check('u1', 'r1', 'বিকাশ করুন ০১৭১২৩৪৫৬৭৮', T0 + 2);
  assert.equal(w.spam && w.rule, 'phones');
});

test('new accounts: a burst (all rooms) and links are limited while new; old accounts are not', () => {
  const g = new SpamGuard({ ...CONFIG, newAccountMaxMessages: 5, newAccountMaxLinks: 0 });
  for (let i = 0; i < 5; i++) assert.equal(g.check('fresh', `room${i}`, `question number ${'abcde'[i]}`, T0 + i).spam, false);
  const v = g.check('fresh', 'room9', 'one more question', T0 + 10);
  assert.equal(v.spam && v.rule, 'new_account_burst');
  // Once the window has passed the user may write again; past newAccountMs the limits are gone.
  assert.equal(g.check('fresh', 'room9', 'and another', T0 + 60_011).spam, false);
  const l = g.check('fresh', 'room8', 'see www.deals.xyz', T0 + 60_012);
  assert.equal(l.spam && l.rule, 'new_account_links');
  const later = T0 + 10 * 60_000 + 1;
  for (let i = 0; i < 8; i++) assert.equal(g.check('fresh', `room${i}`, `later ${'abcdefgh'[i]} message`, later + i).spam, false);
  assert.equal(g.check('fresh', 'room8', 'see www.deals.xyz', later + 20).spam, false);
});

test('repeat offenders: the Nth refusal within T says offender, then the count starts again', () => {
  const g = oldUsers({ maxRepeats: 1 });
  g.check('u1', 'r1', 'spam spam spam spam', T0);
  const verdicts = [1, 2, 3, 4].map((i) => g.check('u1', 'r1', 'spam spam spam spam', T0 + i));
  assert.deepEqual(
    verdicts.map((v) => v.spam && v.offender),
    [false, false, true, false],
  );
  // Refusals older than offenderWindowMs do not count.
  const h = oldUsers({ maxRepeats: 1 });
  h.check('u1', 'r1', 'spam spam spam spam', T0);
  h.check('u1', 'r1', 'spam spam spam spam', T0 + 1);
  h.check('u1', 'r1', 'spam spam spam spam', T0 + 2);
  h.check('u1', 'r2', 'other room other text', T0 + 70_000);
  h.check('u1', 'r2', 'other room other text', T0 + 70_001);
  const v = h.check('u1', 'r2', 'other room other text', T0 + 70_002);
  assert.equal(v.spam && v.offender, false);
});

test('disabled: nothing is spam; sweep forgets idle rooms', () => {
  const off = new SpamGuard({ ...CONFIG, enabled: false });
  for (let i = 0; i < 10; i++) assert.equal(off.check('u', 'r', 'a.com b.com c.com d.com', T0 + i).spam, false);
  const g = oldUsers();
  g.check('u1', 'r1', 'hello there', T0);
  assert.equal(g.trackedRooms, 3, "two warm-up rooms and r1");
  g.sweep(T0 + 60_001);
  assert.equal(g.trackedRooms, 0);
});
