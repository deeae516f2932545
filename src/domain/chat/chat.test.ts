// Chat black-box over WebSocket and REST (PROTOCOL.md §2, §3, §10 Chat), on
// one in-process node with two host threads and the memory store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, startTestNode, token, type TestNode } from '../../testkit/node.ts';
import type { TestClient, Frame } from '../../testkit/ws-client.ts';
import { withTimeout } from '../../testkit/wait.ts';

let node: TestNode;
const T = { timeout: 60_000 };
const tokens = new Map<string, string>();

before(async () => {
  node = await startTestNode({ actors: { workers: 2 }, gateway: { messagesPerSecond: 1000 } });
});
after(async () => {
  await node.stop();
});

async function bearer(user: string, roles: string[] = ['customer']): Promise<string> {
  const key = `${user}|${roles.join(',')}`;
  let t = tokens.get(key);
  if (t === undefined) tokens.set(key, (t = await token({ sub: user, roles })));
  return t;
}

async function call(method: string, path: string, user: string | null, body?: unknown, roles?: string[]): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (user !== null) headers.authorization = `Bearer ${await bearer(user, roles)}`;
  const res = await fetch(node.http(`/api/v1/realtime/${path}`), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

async function newRoom(creator: string, others: string[], type = 'customer_support'): Promise<any> {
  const res = await call('POST', 'chat/rooms', creator, { type, participants: others.map((user_id) => ({ user_id })), metadata: { order_id: 'o-1', priority: 'high' } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function joined(c: TestClient, channel: string): Promise<Frame> {
  return c.request({ type: 'join_channel', channels: [channel] });
}

const ISO_DHAKA = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+06:00$/;

test('POST chat/rooms answers 201 with the room (the caller a participant); bad fields are 400 naming the field; no token is 401', T, async () => {
  const room = await newRoom('cr-alice', ['cr-bob']);
  assert.match(room.id, /^[A-Za-z0-9_.-]{1,128}$/);
  assert.equal(room.type, 'customer_support');
  assert.equal(room.channel, `chat:${room.id}`);
  assert.deepEqual(room.metadata, { order_id: 'o-1', priority: 'high' });
  assert.match(room.created_at, ISO_DHAKA);
  assert.deepEqual(room.participants.map((p: any) => [p.user_id, p.role, p.last_read_offset]), [['cr-alice', 'customer', 0], ['cr-bob', 'member', 0]]);
  for (const p of room.participants) assert.match(p.joined_at, ISO_DHAKA);
  const bad = await call('POST', 'chat/rooms', 'cr-alice', { type: 'party', participants: [] });
  assert.deepEqual([bad.status, bad.body.code], [400, 'bad_request']);
  assert.match(bad.body.message, /type/);
  const badUser = await call('POST', 'chat/rooms', 'cr-alice', { type: 'group', participants: [{ user_id: 'no spaces' }] });
  assert.deepEqual([badUser.status, badUser.body.code], [400, 'bad_request']);
  assert.match(badUser.body.message, /participants\.0\.user_id/);
  assert.equal((await call('POST', 'chat/rooms', null, { type: 'group', participants: [] })).status, 401);
});

test('permissions: a non-participant cannot join the channel, send, read or list; support and admin may join the room over REST, then the channel', T, async () => {
  const room = await newRoom('pm-alice', ['pm-bob']);
  const stranger = await connectAs(node, 'pm-eve');
  const j = await joined(stranger, room.channel);
  assert.deepEqual(j.channels, []);
  assert.deepEqual((j.denied as any[]).map((d) => [d.channel, d.code]), [[room.channel, 'forbidden']]);
  const nowhere = await joined(stranger, 'chat:no-such-room');
  assert.deepEqual((nowhere.denied as any[]).map((d) => d.code), ['forbidden'], 'an unknown room is not told apart from a closed one');
  const sent = await stranger.request({ type: 'send_message', channel: room.channel, message: 'hi' });
  assert.deepEqual([sent.type, sent.code], ['error', 'forbidden']);
  const typing = await stranger.request({ type: 'typing', channel: room.channel });
  assert.deepEqual([typing.type, typing.code], ['error', 'forbidden']);
  const guest = await node.connect();
  assert.deepEqual(((await joined(guest, room.channel)).denied as any[]).map((d) => d.code), ['forbidden']);
  assert.deepEqual([(await guest.request({ type: 'send_message', channel: room.channel, message: 'hi' })).code], ['forbidden']);

  assert.deepEqual([(await call('POST', `chat/rooms/${room.id}/messages`, 'pm-eve', { message: 'hi' })).status], [403]);
  assert.deepEqual([(await call('GET', `chat/rooms/${room.id}/messages`, 'pm-eve')).status], [403]);
  assert.deepEqual([(await call('PUT', `chat/rooms/${room.id}/read`, 'pm-eve', { offset: 1 })).status], [403]);
  assert.deepEqual([(await call('POST', `chat/rooms/${room.id}/join`, 'pm-eve')).status], [403]);
  assert.deepEqual([(await call('POST', 'chat/rooms/no-such-room/join', 'pm-sam', undefined, ['support'])).status], [404]);
  assert.deepEqual([(await call('GET', 'chat/rooms/no-such-room/messages', 'pm-eve')).status], [404]);

  // A participant named in the room: join answers the room as it is.
  const again = await call('POST', `chat/rooms/${room.id}/join`, 'pm-bob');
  assert.deepEqual([again.status, again.body.participants.length], [200, 2]);
  const support = await call('POST', `chat/rooms/${room.id}/join`, 'pm-sam', undefined, ['support']);
  assert.equal(support.status, 200, JSON.stringify(support.body));
  assert.deepEqual(support.body.participants.map((p: any) => [p.user_id, p.role]), [['pm-alice', 'customer'], ['pm-bob', 'member'], ['pm-sam', 'support']]);
  const sam = await connectAs(node, 'pm-sam', ['support']);
  const samJoin = await joined(sam, room.channel);
  // The offset is the channel's latest: presence_change events of the participants (low priority) take offsets too.
  assert.deepEqual([(samJoin.channels as any[]).map((c) => c.channel), samJoin.denied], [[room.channel], []]);
  assert.ok(Number.isInteger((samJoin.channels as any[])[0].offset));
  // Channel tokens keep working as before.
  const granted = await connectAs(node, 'pm-eve');
  const grant = await granted.request({ type: 'join_channel', channels: [room.channel], tokens: { [room.channel]: await token({ sub: 'pm-eve', channel: room.channel }) } });
  assert.deepEqual((grant.channels as any[]).map((c) => c.channel), [room.channel]);
  for (const c of [stranger, guest, sam, granted]) await c.close();
});

test('ordering: offsets increase; the REST offset equals the event offset and the reply offset, for frame and REST sends; a typing event is not stored', T, async () => {
  const room = await newRoom('or-alice', ['or-bob']);
  const alice = await connectAs(node, 'or-alice');
  const bob = await connectAs(node, 'or-bob');
  await joined(alice, room.channel);
  await joined(bob, room.channel);
  const replies: Frame[] = [];
  for (let i = 0; i < 5; i++) replies.push(await alice.request({ type: 'send_message', channel: room.channel, message: `frame ${i}` }));
  const typing = await bob.request({ type: 'typing', channel: room.channel });
  assert.deepEqual([typing.type, typing.ok], ['reply', true]);
  await withTimeout(bob.next((f) => f.type === 'event' && f.event_type === 'typing'), { what: 'the typing event' });
  const viaRest = await call('POST', `chat/rooms/${room.id}/messages`, 'or-bob', { message: 'rest 1', message_type: 'text', metadata: { product_id: 'p1' } });
  assert.equal(viaRest.status, 201, JSON.stringify(viaRest.body));
  assert.deepEqual(Object.keys(viaRest.body).sort(), ['channel', 'id', 'offset', 'ok']);
  const offsets = replies.map((r) => r.offset as number);
  for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i]! > offsets[i - 1]!, `offsets increase: ${offsets}`);
  assert.ok(viaRest.body.offset > offsets[offsets.length - 1]! + 1, 'the typing event took an offset in between');
  const events = await withTimeout(waitEvents(bob, room.channel, 'message', 6), { what: `6 message events (got ${bob.events(room.channel).length} events so far)` });
  const listed = await call('GET', `chat/rooms/${room.id}/messages?since=0`, 'or-alice');
  assert.equal(listed.status, 200);
  const byOffset = listed.body.messages.map((m: any) => [m.offset, m.id, m.message]);
  assert.deepEqual(byOffset, events.map((e) => [e.offset, e.id, (e.data as any).message]));
  assert.deepEqual(listed.body.messages.map((m: any) => m.offset), [...offsets, viaRest.body.offset]);
  assert.deepEqual(replies.map((r) => r.id), events.slice(0, 5).map((e) => e.id));
  const last = listed.body.messages[5];
  assert.deepEqual([last.sender_id, last.message_type, last.metadata], ['or-bob', 'text', { product_id: 'p1' }]);
  assert.match(last.created_at, ISO_DHAKA);
  assert.deepEqual(events[0]!.data, { message: 'frame 0', message_type: 'text', metadata: {}, sender_id: 'or-alice', client_msg_id: null });
  await alice.close();
  await bob.close();
});

test('idempotency on client_msg_id per sender: a repeated frame or REST send answers the first reply and publishes nothing', T, async () => {
  const room = await newRoom('id-alice', ['id-bob']);
  const alice = await connectAs(node, 'id-alice');
  const bob = await connectAs(node, 'id-bob');
  await joined(bob, room.channel);
  const first = await alice.request({ type: 'send_message', channel: room.channel, message: 'once', client_msg_id: 'c-1' });
  const again = await alice.request({ type: 'send_message', channel: room.channel, message: 'once, resent', client_msg_id: 'c-1' });
  assert.deepEqual({ ...again, ref: undefined }, { ...first, ref: undefined });
  const viaRest = await call('POST', `chat/rooms/${room.id}/messages`, 'id-alice', { message: 'once, by REST', client_msg_id: 'c-1' });
  assert.deepEqual([viaRest.status, viaRest.body], [201, { ok: true, id: first.id, channel: room.channel, offset: first.offset }]);
  const bobsOwn = await call('POST', `chat/rooms/${room.id}/messages`, 'id-bob', { message: 'same key, other sender', client_msg_id: 'c-1' });
  assert.ok(bobsOwn.body.offset > (first.offset as number));
  const r1 = await call('POST', `chat/rooms/${room.id}/messages`, 'id-bob', { message: 'rest key', client_msg_id: 'c-2' });
  const r2 = await call('POST', `chat/rooms/${room.id}/messages`, 'id-bob', { message: 'rest key again', client_msg_id: 'c-2' });
  assert.deepEqual(r2.body, r1.body);
  // A marker after everything: once it arrived, every earlier event has too.
  const marker = await alice.request({ type: 'send_message', channel: room.channel, message: 'marker' });
  await bob.next((f) => f.type === 'event' && f.id === marker.id);
  assert.deepEqual(bob.events(room.channel).filter((e) => e.event_type === 'message').map((e) => (e.data as any).message), ['once', 'same key, other sender', 'rest key', 'marker']);
  const listed = await call('GET', `chat/rooms/${room.id}/messages`, 'id-bob');
  assert.deepEqual(listed.body.messages.map((m: any) => m.message), ['marker', 'rest key', 'same key, other sender', 'once']);
  await alice.close();
  await bob.close();
});

test('read receipts and unread counts: others\' messages after last_read_offset; GET chat/rooms lists the caller\'s rooms with unread, paged', T, async () => {
  const room = await newRoom('rd-alice', ['rd-bob']);
  const other = await newRoom('rd-bob', ['rd-alice'], 'group');
  const send = async (who: string, text: string): Promise<number> => (await call('POST', `chat/rooms/${room.id}/messages`, who, { message: text })).body.offset;
  const a1 = await send('rd-alice', 'a1');
  const b1 = await send('rd-bob', 'b1');
  await send('rd-bob', 'b2');
  const a2 = await send('rd-alice', 'a2');
  const b3 = await send('rd-bob', 'b3');
  const unreadOf = async (user: string, roomId: string): Promise<number> => {
    const pages: any[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await call('GET', `chat/rooms?limit=1${cursor ? `&cursor=${cursor}` : ''}`, user);
      assert.equal(res.status, 200);
      pages.push(...res.body.rooms);
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(pages.map((r) => r.id).sort(), [room.id, other.id].sort(), 'both rooms, once each, over pages of one');
    return pages.find((r) => r.id === roomId).unread;
  };
  assert.equal(await unreadOf('rd-alice', room.id), 3);
  assert.equal(await unreadOf('rd-bob', room.id), 2);
  assert.ok(a1 < b1 && a2 < b3);
  assert.deepEqual((await call('PUT', `chat/rooms/${room.id}/read`, 'rd-alice', { offset: b1 })).body, { ok: true, unread: 2 });
  assert.deepEqual((await call('PUT', `chat/rooms/${room.id}/read`, 'rd-alice', { offset: a1 })).body, { ok: true, unread: 2 }, 'never back');
  assert.deepEqual((await call('PUT', `chat/rooms/${room.id}/read`, 'rd-alice', { offset: b3 })).body, { ok: true, unread: 0 });
  assert.equal(await unreadOf('rd-alice', room.id), 0);
  const rooms = await call('GET', 'chat/rooms', 'rd-alice');
  const mine = rooms.body.rooms.find((r: any) => r.id === room.id);
  assert.equal(mine.participants.find((p: any) => p.user_id === 'rd-alice').last_read_offset, b3);
  assert.equal((await call('PUT', `chat/rooms/${room.id}/read`, 'rd-alice', { offset: -1 })).status, 400);
  assert.equal((await call('GET', 'chat/rooms', null)).status, 401);
});

test('pagination: newest first with before, oldest first with since, each paged by cursor', T, async () => {
  const room = await newRoom('pg-alice', []);
  const offsets: number[] = [];
  for (let i = 1; i <= 7; i++) offsets.push((await call('POST', `chat/rooms/${room.id}/messages`, 'pg-alice', { message: `m${i}` })).body.offset);
  const list = async (q: string): Promise<any> => (await call('GET', `chat/rooms/${room.id}/messages?${q}`, 'pg-alice')).body;
  const newest = await list('limit=3');
  assert.deepEqual(newest.messages.map((m: any) => m.message), ['m7', 'm6', 'm5']);
  const older = await list(`limit=3&cursor=${newest.next_cursor}`);
  assert.deepEqual(older.messages.map((m: any) => m.message), ['m4', 'm3', 'm2']);
  const oldest = await list(`limit=3&cursor=${older.next_cursor}`);
  assert.deepEqual([oldest.messages.map((m: any) => m.message), oldest.next_cursor], [['m1'], null]);
  assert.deepEqual((await list(`before=${offsets[3]}&limit=2`)).messages.map((m: any) => m.message), ['m3', 'm2']);
  const since = await list(`since=${offsets[4]}&limit=1`);
  assert.deepEqual(since.messages.map((m: any) => m.message), ['m6']);
  assert.deepEqual((await list(`since=${offsets[4]}&limit=1&cursor=${since.next_cursor}`)).messages.map((m: any) => m.message), ['m7']);
  const both = await call('GET', `chat/rooms/${room.id}/messages?since=1&before=3`, 'pg-alice');
  assert.deepEqual([both.status, both.body.code], [400, 'bad_request']);
  assert.equal((await call('GET', `chat/rooms/${room.id}/messages?limit=501`, 'pg-alice')).status, 400);
});

test('sanitizing and the 4,000-character limit, on frames and REST', T, async () => {
  const room = await newRoom('sz-alice', ['sz-bob']);
  const alice = await connectAs(node, 'sz-alice');
  const bob = await connectAs(node, 'sz-bob');
  await joined(bob, room.channel);
  const marked = await alice.request({ type: 'send_message', channel: room.channel, message: 'hello <script>alert(1)</script><b>world</b> <img src=x onerror=alert(1)>' });
  assert.equal(marked.type, 'reply', JSON.stringify(marked));
  const ev = await bob.next((f) => f.type === 'event' && f.id === marked.id);
  assert.equal((ev.data as any).message, 'hello world');
  const onlyMarkup = await alice.request({ type: 'send_message', channel: room.channel, message: '<script>x</script>' });
  assert.deepEqual([onlyMarkup.type, onlyMarkup.code], ['error', 'bad_request']);
  const bengali = 'আ'.repeat(4000);
  const atLimit = await alice.request({ type: 'send_message', channel: room.channel, message: bengali });
  assert.equal(atLimit.type, 'reply', JSON.stringify(atLimit).slice(0, 200));
  const over = await alice.request({ type: 'send_message', channel: room.channel, message: 'x'.repeat(4001) });
  assert.deepEqual([over.type, over.code], ['error', 'bad_request']);
  const restOver = await call('POST', `chat/rooms/${room.id}/messages`, 'sz-alice', { message: '😀'.repeat(4001) });
  assert.deepEqual([restOver.status, restOver.body.code], [400, 'bad_request']);
  assert.match(restOver.body.message, /message/);
  const restMarked = await call('POST', `chat/rooms/${room.id}/messages`, 'sz-alice', { message: '<a href="javascript:x">link</a> text' });
  const listed = await call('GET', `chat/rooms/${room.id}/messages?limit=1`, 'sz-bob');
  assert.deepEqual([listed.body.messages[0].offset, listed.body.messages[0].message], [restMarked.body.offset, 'link text']);
  await alice.close();
  await bob.close();
});

/** Waits until `n` events of `type` arrived on `channel`; answers them in arrival order. */
async function waitEvents(c: TestClient, channel: string, type: string, n: number): Promise<Frame[]> {
  const of = (): Frame[] => c.events(channel).filter((e) => e.event_type === type);
  while (of().length < n) await c.next((f) => f.type === 'event' && f.channel === channel && f.event_type === type, c.frames.length);
  return of();
}

test('metadata keys named __proto__ or constructor are kept, on frames and REST (event, listing)', T, async () => {
  const room = await newRoom('pk-alice', ['pk-bob']);
  const alice = await connectAs(node, 'pk-alice');
  const bob = await connectAs(node, 'pk-bob');
  await joined(bob, room.channel);
  // Parsed from text: `{ __proto__: ... }` in a literal would set the prototype, not make a key.
  const metadata = JSON.parse('{"__proto__":{"x":1},"constructor":"c","order_id":"o-1"}') as Record<string, unknown>;
  const sent = await alice.request({ type: 'send_message', channel: room.channel, message: 'by frame', metadata });
  assert.equal(sent.type, 'reply', JSON.stringify(sent));
  const viaRest = await call('POST', `chat/rooms/${room.id}/messages`, 'pk-alice', { message: 'by REST', metadata });
  assert.equal(viaRest.status, 201, JSON.stringify(viaRest.body));
  const events = await withTimeout(waitEvents(bob, room.channel, 'message', 2), { what: '2 message events' });
  const listed = await call('GET', `chat/rooms/${room.id}/messages?since=0`, 'pk-bob');
  const text = JSON.stringify(metadata);
  assert.deepEqual(
    events.map((e) => JSON.stringify((e.data as any).metadata)),
    [text, text],
  );
  assert.deepEqual(
    listed.body.messages.map((m: any) => JSON.stringify(m.metadata)),
    [text, text],
  );
  await alice.close();
  await bob.close();
});
