// Chat in two languages through a room (README "Bengali everywhere"), on one
// in-process node whose translation provider is a LibreTranslate stand-in on
// port 0: every message keeps its `message` and carries `translations` /
// `transliteration` in the event and in the history; a provider that fails
// or is slow costs the translation, never the message or its order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, startTestNode, token, type TestNode } from '../../testkit/node.ts';
import type { Frame, TestClient } from '../../testkit/ws-client.ts';
import { withTimeout } from '../../testkit/wait.ts';
import { fromTable, startFakeLibreTranslate, type FakeAnswer, type FakeLibreTranslate, type TranslateRequest } from '../../testkit/fake-libretranslate.ts';
import { chatNotification } from './rules.ts';
import { notificationRenderer } from '../../i18n/render.ts';
import { loadNotificationTemplates } from '../../i18n/load-templates.ts';

const T = { timeout: 60_000 };
const TABLE = fromTable({ 'Is the blue one softer?': 'নীলটা কি বেশি নরম?', 'আমি তোমাকে ভালোবাসি': 'I love you', 'slow one': 'ধীর', 'fast one': 'দ্রুত' });
let answer: (req: TranslateRequest) => FakeAnswer = TABLE;
let fake: FakeLibreTranslate;
let node: TestNode;

before(async () => {
  fake = await startFakeLibreTranslate((req) => answer(req));
  node = await startTestNode({ actors: { workers: 2 }, gateway: { messagesPerSecond: 1000 }, translate: { url: fake.url, timeoutMs: 400 } });
});
after(async () => {
  await node.stop();
  await fake.close();
});

async function call(method: string, path: string, user: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${await token({ sub: user, roles: ['customer'] })}` };
  const res = await fetch(node.http(`/api/v1/realtime/${path}`), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

async function messageEvents(c: TestClient, channel: string, n: number): Promise<Frame[]> {
  const of = (): Frame[] => c.events(channel).filter((e) => e.event_type === 'message');
  while (of().length < n) await c.next((f) => f.type === 'event' && f.channel === channel && f.event_type === 'message', c.frames.length);
  return of();
}

test('messages keep their text and carry translations and transliteration, in the event and in the history', T, async () => {
  answer = TABLE;
  const room = (await call('POST', 'chat/rooms', 'tr-alice', { type: 'vendor', participants: [{ user_id: 'tr-bob' }] })).body;
  const alice = await connectAs(node, 'tr-alice');
  const bob = await node.connect({ token: await token({ sub: 'tr-bob', roles: ['customer'] }), lang: 'bn' });
  await bob.request({ type: 'join_channel', channels: [room.channel] });

  const sent = [
    await alice.request({ type: 'send_message', channel: room.channel, message: 'Is the blue one softer?' }), // the provider
    await alice.request({ type: 'send_message', channel: room.channel, message: 'What is the price?' }), // provider 400: the phrasebook
    await alice.request({ type: 'send_message', channel: room.channel, message: 'ami tomake bhalobashi' }), // Banglish
    await alice.request({ type: 'send_message', channel: room.channel, message: 'Dam koto?' }), // a Banglish phrase of the phrasebook
  ];
  for (const r of sent) assert.deepEqual([r.type, r.ok], ['reply', true], JSON.stringify(r));
  const viaRest = await call('POST', `chat/rooms/${room.id}/messages`, 'tr-bob', { message: 'দাম কত?' });
  assert.equal(viaRest.status, 201, JSON.stringify(viaRest.body));

  const expected = [
    { message: 'Is the blue one softer?', translations: { bn: 'নীলটা কি বেশি নরম?' } },
    { message: 'What is the price?', translations: { bn: 'দাম কত?' } },
    { message: 'ami tomake bhalobashi', transliteration: 'আমি তোমাকে ভালোবাসি', translations: { en: 'I love you' } },
    { message: 'Dam koto?', transliteration: 'দাম কত?', translations: { en: 'What is the price?' } },
    { message: 'দাম কত?', translations: { en: 'What is the price?' } },
  ];
  const events = await withTimeout(messageEvents(bob, room.channel, 5), { what: '5 message events' });
  const pick = (d: any) => ({ message: d.message, ...(d.translations ? { translations: d.translations } : {}), ...(d.transliteration ? { transliteration: d.transliteration } : {}) });
  assert.deepEqual(events.map((e) => pick(e.data)), expected);
  assert.deepEqual(Object.keys(events[0]!.data as object).sort(), ['client_msg_id', 'message', 'message_type', 'metadata', 'sender_id', 'translations']);

  const history = await call('GET', `chat/rooms/${room.id}/messages?since=0`, 'tr-bob');
  assert.equal(history.status, 200);
  assert.deepEqual(history.body.messages.map(pick), expected);
  assert.deepEqual(history.body.messages.map((m: any) => m.offset), events.map((e) => e.offset));
  await alice.close();
  await bob.close();
});

test('a provider that does not answer in time: the message goes out untranslated, and a sender\'s messages keep their order', T, async () => {
  const room = (await call('POST', 'chat/rooms', 'tr-carol', { type: 'vendor', participants: [{ user_id: 'tr-dave' }] })).body;
  const carol = await connectAs(node, 'tr-carol');
  const dave = await connectAs(node, 'tr-dave');
  await dave.request({ type: 'join_channel', channels: [room.channel] });

  answer = () => 'hang';
  const hung = await carol.request({ type: 'send_message', channel: room.channel, message: 'Is the blue one softer?' });
  assert.deepEqual([hung.type, hung.ok], ['reply', true]);

  // The first answer comes late (but in time), the second at once: they still reach the room in the order sent.
  answer = (req) => ({ ...(TABLE(req) as { status: number; body: string }), delayMs: req.body.q === 'slow one' ? 250 : 0 });
  const [slow, fast] = await Promise.all([
    carol.request({ type: 'send_message', channel: room.channel, message: 'slow one' }),
    carol.request({ type: 'send_message', channel: room.channel, message: 'fast one' }),
  ]);
  assert.ok((slow!.offset as number) < (fast!.offset as number), `offsets ${slow!.offset} < ${fast!.offset}`);
  const events = await withTimeout(messageEvents(dave, room.channel, 3), { what: '3 message events' });
  assert.deepEqual(
    events.map((e) => [(e.data as any).message, (e.data as any).translations ?? null]),
    [
      ['Is the blue one softer?', null],
      ['slow one', { bn: 'ধীর' }],
      ['fast one', { bn: 'দ্রুত' }],
    ],
  );
  await carol.close();
  await dave.close();
});

test('the chat_message notification previews the message in each reader\'s language', () => {
  const render = notificationRenderer(loadNotificationTemplates());
  const n = chatNotification(render, { room_id: 'r1', offset: 3, sender_id: 'shop-7', message: 'Dam koto?', transliteration: 'দাম কত?', translations: { en: 'What is the price?' }, at: 0, recipient: 'u1' });
  assert.deepEqual([n.message.en, n.message.bn], ['What is the price?', 'দাম কত?']);
  const plain = chatNotification(render, { room_id: 'r1', offset: 4, sender_id: 'shop-7', message: 'Size M?', at: 0, recipient: 'u1' });
  assert.deepEqual([plain.message.en, plain.message.bn], ['Size M?', 'Size M?']);
});
