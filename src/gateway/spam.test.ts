// Spam in chat, black-box (README "Spam and abuse"): send_message and POST
// chat/rooms/:id/messages go through the same rules; a refusal is `spam`
// (422 over REST) in the client's language, counted and logged; a repeat
// offender is closed with 4008 (kind `abuse`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, startTestNode, token, type TestNode } from '../testkit/node.ts';

let node: TestNode;
before(async () => {
  node = await startTestNode({ spam: { maxRepeats: 2, maxPhonesPerMessage: 1, offenderRefusals: 3 } });
});
after(async () => {
  await node.stop();
});

async function call(method: string, path: string, user: string, body?: unknown, roles = ['customer']): Promise<{ status: number; body: any }> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${await token({ sub: user, roles })}` };
  const res = await fetch(node.http(`/api/v1/realtime/${path}`), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

const spamCount = async (rule: string): Promise<number> => (await node.metrics.spamRefused.get()).values.find((v) => v.labels.rule === rule)?.value ?? 0;

test('repeats and phone spam are refused by frame and by REST; the third refusal closes the sender with 4008', { timeout: 30_000 }, async () => {
  const room = (await call('POST', 'chat/rooms', 'sp-alice', { type: 'customer_support', participants: [{ user_id: 'sp-bob' }] })).body;
  const alice = await connectAs(node, 'sp-alice');
  const aliceBn = await node.connect({ token: await token({ sub: 'sp-alice' }), lang: 'bn' });
  const spam = 'Cheap iPhone 14 Pro deals, inbox me now';
  const first = await alice.request({ type: 'send_message', channel: room.channel, message: spam, client_msg_id: 'k1' });
  assert.equal(first.ok, true);
  assert.equal((await alice.request({ type: 'send_message', channel: room.channel, message: 'cheap iphone 15 pro DEALS — inbox me now!' })).ok, true, 'digits and case differ: still the same text, but under the limit');
  const refused = await alice.request({ type: 'send_message', channel: room.channel, message: spam });
  assert.deepEqual([refused.type, refused.code, refused.temporary], ['error', 'spam', false]);
  assert.match(String(refused.message), /spam \(repeat\)/);
  // A retry of an accepted message (same client_msg_id) is not spam: it gets the first reply again.
  const retry = await alice.request({ type: 'send_message', channel: room.channel, message: spam, client_msg_id: 'k1' });
  assert.deepEqual([retry.ok, retry.id, retry.offset], [true, first.id, first.offset]);
  // The same rules over REST (the same user and room): 422 spam, in Bengali when asked.
  const rest = await call('POST', `chat/rooms/${room.id}/messages?lang=bn`, 'sp-alice', { message: spam });
  assert.deepEqual([rest.status, rest.body.code, rest.body.temporary], [422, 'spam', false]);
  assert.match(rest.body.message, /স্প্যাম/);
  assert.equal(aliceBn.frames.some((f) => f.type === 'error'), false);
  // Two phone numbers (one in Bengali digits) in one message: the third refusal, so both of alice's connections close with 4008.
  const phones = await call('POST', `chat/rooms/${room.id}/messages`, 'sp-alice', { message: 'call ০১৭১২৩৪৫৬৭৮ or +880 1812-345678' });
  assert.deepEqual([phones.status, phones.body.code], [422, 'spam']);
  const [c1, c2] = await Promise.all([alice.closed, aliceBn.closed]);
  assert.deepEqual([c1.code, c2.code], [4008, 4008]);
  assert.equal(c1.reason, 'policy violation: repeated spam');
  assert.equal(c2.reason, 'নিয়ম ভঙ্গ: বারবার স্প্যাম');

  // Nothing refused was stored or published.
  const listed = await call('GET', `chat/rooms/${room.id}/messages`, 'sp-bob');
  assert.equal(listed.body.messages.length, 2);
  assert.equal(await spamCount('repeat'), 2);
  assert.equal(await spamCount('phones'), 1);

  const events = (await call('GET', 'admin/security-events?limit=10', 'sp-root', undefined, ['admin'])).body.events as { kind: string; user_id: string; session_id: string | null; detail: string; ip: string }[];
  assert.deepEqual(events.slice(0, 4).map((e) => e.kind), ['abuse', 'spam', 'spam', 'spam']);
  for (const e of events.slice(0, 4)) assert.equal(e.user_id, 'sp-alice');
  assert.match(events[1]!.detail, new RegExp(`^${room.channel}: phones: `));
  assert.equal(events[1]!.session_id, null, 'over REST');
  assert.match(events[1]!.ip, /^127\./);
  assert.notEqual(events[3]!.session_id, null, 'by frame');
  assert.match(events[0]!.detail, /3 spam refusals .*2 connection\(s\) on this node closed with 4008/);
});

test('other users and other rooms have their own histories; short replies are never repeats', { timeout: 30_000 }, async () => {
  const room = (await call('POST', 'chat/rooms', 'sq-alice', { type: 'group', participants: [{ user_id: 'sq-bob' }] })).body;
  const other = (await call('POST', 'chat/rooms', 'sq-alice', { type: 'group', participants: [{ user_id: 'sq-bob' }] })).body;
  const text = 'is the red one still in stock please';
  for (const [user, r] of [['sq-alice', room], ['sq-alice', room], ['sq-bob', room], ['sq-bob', room], ['sq-alice', other], ['sq-alice', other]] as const) {
    const res = await call('POST', `chat/rooms/${r.id}/messages`, user, { message: text });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  for (let i = 0; i < 6; i++) assert.equal((await call('POST', `chat/rooms/${room.id}/messages`, 'sq-bob', { message: 'ok' })).status, 201);
});
