// The one contract suite every store runs (like engines/engine.suite.ts):
// memory.store.test.ts on the memory store, mongo.store.test.ts over the wire
// on MongoDB (MONGO_URL) or on the test stand-in. `makeStore` is called per
// group and must give a store that sees nothing of the others' data.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HaatError } from '../errors.ts';
import type { Store } from './store.ts';
import type { ConnectionRecord } from './connections.ts';
import type { RealtimeEventRecord } from './realtime-events.ts';
import type { PresenceRecord } from './user-presence.ts';
import type { NewChatMessage, Participant } from './chat-rooms.ts';
import type { NotificationRecord } from './realtime-notifications.ts';
import type { Page } from './page.ts';

const GROUP_TIMEOUT_MS = 20_000;
// Times near now: the MongoDB store's TTL indexes would drop records whose
// expiry already passed (the stand-in does so on the next read).
const T0 = Math.floor(Date.now() / 1000) * 1000;

let seq = 0;
/** An id no other test of this process uses. */
function unique(what: string): string {
  return `${what}-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof HaatError && err.code === code);
}

/** Every page of a listing, following next_cursor. */
async function allPages<T>(list: (cursor: string | null) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const p: Page<T> = await list(cursor);
    pages.push(p.items);
    cursor = p.next_cursor;
  } while (cursor !== null && pages.length < 100);
  return pages;
}

function connection(over: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    session_id: unique('s'),
    user_id: unique('u'),
    node_id: 'n1',
    device: { type: 'phone', os: 'android 13', app_version: '4.2.0' },
    connected_at: T0,
    last_activity: T0,
    channels: [],
    location: { country: 'BD', division: 'Dhaka' },
    quality: { latency_ms: 120, packet_loss: 0.01, bandwidth_kbps: 800 },
    status: 'connected',
    disconnected_at: null,
    ...over,
  };
}

function realtimeEvent(over: Partial<RealtimeEventRecord> = {}): RealtimeEventRecord {
  return {
    id: unique('e'),
    event_type: 'price_update',
    channel: 'product:1',
    data: { price: 1250, currency: 'BDT' },
    priority: 'normal',
    ttl_s: 60,
    created_at: T0,
    expires_at: T0 + 60_000,
    delivery: { total: 0, delivered: 0, failed: 0 },
    ...over,
  };
}

function presence(over: Partial<PresenceRecord> = {}): PresenceRecord {
  return { user_id: unique('u'), status: 'online', current_page: '/p/1', shopping_activity: { cart_items: 2 }, devices: 1, location: { country: 'BD', city: 'Chattogram' }, last_seen: T0, updated_at: T0, ...over };
}

function participant(user_id: string, role: Participant['role'] = 'customer'): Participant {
  return { user_id, role, joined_at: T0, last_read_offset: 0 };
}

function chatMessage(sender_id: string, client_msg_id: string | null = null, text = 'হ্যালো'): NewChatMessage {
  return { id: unique('m'), room_id: '', sender_id, message: text, message_type: 'text', metadata: {}, created_at: T0, client_msg_id };
}

function notification(user_id: string, over: Partial<NotificationRecord> = {}): NotificationRecord {
  return {
    id: unique('n'),
    user_id,
    notification_type: 'price_drop_alert',
    title: { en: 'Price drop', bn: 'দাম কমেছে' },
    message: { en: 'Now ৳1,250', bn: 'এখন ৳১,২৫০' },
    data: { product_id: 'p1' },
    priority: 'normal',
    channel: null,
    status: 'queued',
    created_at: T0,
    delivered_at: null,
    acked_at: null,
    expires_at: T0 + 3_600_000,
    ...over,
  };
}

/** Registers the whole suite under `label`. */
export function runStoreSuite(label: string, makeStore: () => Promise<Store>): void {
  function group(name: string, body: (store: () => Store) => void): void {
    describe(`${label}: ${name}`, { timeout: GROUP_TIMEOUT_MS }, () => {
      let s: Store | undefined;
      before(async () => {
        s = await makeStore();
      });
      after(async () => {
        await s?.close();
      });
      body(() => {
        if (!s) throw new Error('store not made');
        return s;
      });
    });
  }

  group('connections', (store) => {
    it('upsert then get answers the record; an unknown session is null', async () => {
      const c = connection({ channels: ['product:1'] });
      await store().connections.upsert(c);
      assert.deepEqual(await store().connections.get(c.session_id), c);
      assert.equal(await store().connections.get(unique('nobody')), null);
    });

    it('touch moves last_activity forward only and replaces quality; a burst of touches lands', async () => {
      const c = connection();
      const cs = store().connections;
      await cs.upsert(c);
      await Promise.all(Array.from({ length: 200 }, (_, i) => cs.touch(c.session_id, T0 + i)));
      await cs.touch(c.session_id, T0 + 50, { latency_ms: 900, packet_loss: 0.2, bandwidth_kbps: 40 });
      const got = await cs.get(c.session_id);
      assert.equal(got?.last_activity, T0 + 199);
      assert.deepEqual(got?.quality, { latency_ms: 900, packet_loss: 0.2, bandwidth_kbps: 40 });
      await cs.touch(unique('nobody'), T0); // ignored, no record made
    });

    it('setChannels replaces the channels; disconnect keeps the record and drops it from the connected lists', async () => {
      const user = unique('u');
      const a = connection({ user_id: user, connected_at: T0 + 2 });
      const b = connection({ user_id: user, connected_at: T0 + 1 });
      const cs = store().connections;
      await cs.upsert(a);
      await cs.upsert(b);
      await cs.setChannels(a.session_id, ['product:1', 'order:9']);
      assert.deepEqual((await cs.listConnectedByUser(user)).map((r) => r.session_id), [b.session_id, a.session_id]);
      await cs.disconnect(b.session_id, T0 + 10);
      const gone = await cs.get(b.session_id);
      assert.equal(gone?.status, 'disconnected');
      assert.equal(gone?.disconnected_at, T0 + 10);
      const left = await cs.listConnectedByUser(user);
      assert.deepEqual(left.map((r) => [r.session_id, r.channels]), [[a.session_id, ['product:1', 'order:9']]]);
    });

    it('listConnectedByNode pages through a node sessions by id, each once', async () => {
      const node = unique('node');
      const cs = store().connections;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const c = connection({ node_id: node, session_id: `${node}-s${i}` });
        ids.push(c.session_id);
        await cs.upsert(c);
      }
      await cs.disconnect(ids[4]!, T0);
      const pages = await allPages((cursor) => cs.listConnectedByNode(node, { limit: 2, cursor }));
      assert.deepEqual(pages.map((p) => p.map((r) => r.session_id)), [ids.slice(0, 2), ids.slice(2, 4)]);
    });
  });

  group('realtime_events', (store) => {
    it('insert then get; a second insert of the id is a conflict', async () => {
      const e = realtimeEvent();
      await store().events.insert(e);
      assert.deepEqual(await store().events.get(e.id), e);
      await rejectsWith(store().events.insert(e), 'conflict');
      assert.equal(await store().events.get(unique('e')), null);
    });

    it('delivery counts sum every increment, also when added at once', async () => {
      const e = realtimeEvent();
      const ev = store().events;
      await ev.insert(e);
      await Promise.all(Array.from({ length: 300 }, (_, i) => ev.addDelivery(e.id, i % 3 === 0 ? { total: 1, failed: 1 } : { total: 1, delivered: 1 })));
      await ev.addDelivery(unique('e'), { total: 1 }); // unknown: ignored
      assert.deepEqual((await ev.get(e.id))?.delivery, { total: 300, delivered: 200, failed: 100 });
    });

    it('listByChannel: newest first, pages without gaps or repeats', async () => {
      const channel = unique('product');
      const ev = store().events;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const e = realtimeEvent({ channel, id: `${channel}-${i}`, created_at: T0 + Math.floor(i / 2) });
        ids.push(e.id);
        await ev.insert(e);
      }
      await ev.insert(realtimeEvent({ channel: unique('other') }));
      const pages = await allPages((cursor) => ev.listByChannel(channel, { limit: 2, cursor }));
      assert.deepEqual(pages.map((p) => p.map((r) => r.id)), [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);
    });
  });

  group('user_presence', (store) => {
    it('put replaces, get and getMany answer the known users only', async () => {
      const a = presence();
      const b = presence({ status: 'busy', current_page: null, shopping_activity: null });
      const ps = store().presence;
      await ps.put(a);
      await ps.put(b);
      await ps.put({ ...a, status: 'away', devices: 2, updated_at: T0 + 5 });
      assert.deepEqual(await ps.get(a.user_id), { ...a, status: 'away', devices: 2, updated_at: T0 + 5 });
      assert.equal(await ps.get(unique('u')), null);
      const many = await ps.getMany([a.user_id, b.user_id, unique('u')]);
      assert.deepEqual([...many.keys()].sort(), [a.user_id, b.user_id].sort());
      assert.deepEqual(many.get(b.user_id), b);
    });

    it('a record reads back as put, whatever its timestamps, and changing what was put or read does not change the store', async () => {
      const ps = store().presence;
      const old = presence({ last_seen: T0 - 90 * 86_400_000, updated_at: T0 + 0.5, location: null });
      await ps.put(old);
      assert.deepEqual(await ps.get(old.user_id), old, 'updated_at months after last_seen, and not a whole millisecond');
      const a = presence();
      await ps.put(a);
      (a.shopping_activity as { cart_items: number }).cart_items = 99;
      a.location!.city = 'Khulna';
      const read = (await ps.get(a.user_id))!;
      assert.deepEqual(read.shopping_activity, { cart_items: 2 });
      assert.equal(read.location!.city, 'Chattogram');
      (read.shopping_activity as { cart_items: number }).cart_items = 7;
      assert.deepEqual((await ps.get(a.user_id))!.shopping_activity, { cart_items: 2 });
    });

    it('listNotOffline pages by user id and leaves offline users out', async () => {
      const prefix = unique('pp');
      const ps = store().presence;
      for (let i = 0; i < 4; i++) await ps.put(presence({ user_id: `${prefix}-${i}`, status: i === 1 ? 'offline' : i === 2 ? 'invisible' : 'online' }));
      const all = (await allPages((cursor) => ps.listNotOffline({ limit: 2, cursor }))).flat().filter((r) => r.user_id.startsWith(prefix));
      assert.deepEqual(all.map((r) => [r.user_id, r.status]), [[`${prefix}-0`, 'online'], [`${prefix}-2`, 'invisible'], [`${prefix}-3`, 'online']]);
    });
  });

  group('chat_rooms', (store) => {
    async function room(users: string[] = [unique('u'), unique('u')]) {
      return store().chatRooms.create({ id: unique('room'), type: 'customer_support', participants: users.map((u) => participant(u)), metadata: { order_id: 'o1', product_id: 'p1', priority: 'high' }, created_at: T0 });
    }

    it('create answers the room at offset 0; a second create is a conflict; unknown rooms are not_found', async () => {
      const r = await room();
      assert.equal(r.last_offset, 0);
      assert.deepEqual(await store().chatRooms.get(r.id), r);
      await rejectsWith(store().chatRooms.create(r), 'conflict');
      assert.equal(await store().chatRooms.get(unique('room')), null);
      await rejectsWith(store().chatRooms.appendMessage(unique('room'), chatMessage('x')), 'not_found');
      await rejectsWith(store().chatRooms.addParticipant(unique('room'), participant('x')), 'not_found');
      await rejectsWith(store().chatRooms.listMessages(unique('room')), 'not_found');
    });

    it('addParticipant adds once; listByUser pages the user rooms', async () => {
      const user = unique('u');
      const r1 = await room([user]);
      const r2 = await room();
      const r3 = await room([user]);
      const joined = await store().chatRooms.addParticipant(r2.id, participant(user, 'support'));
      await store().chatRooms.addParticipant(r2.id, participant(user, 'admin'));
      assert.deepEqual(joined.participants.filter((p) => p.user_id === user), [participant(user, 'support')]);
      assert.deepEqual((await store().chatRooms.get(r2.id))?.participants.filter((p) => p.user_id === user).map((p) => p.role), ['support']);
      const pages = await allPages((cursor) => store().chatRooms.listByUser(user, { limit: 2, cursor }));
      assert.deepEqual(pages.flat().map((r) => r.id), [r1.id, r2.id, r3.id].sort());
      assert.equal(pages[0]!.length, 2);
    });

    it('appendMessage numbers from 1; a repeated client_msg_id answers the first message and takes no offset', async () => {
      const [a, b] = [unique('u'), unique('u')];
      const r = await room([a, b]);
      const cr = store().chatRooms;
      const m1 = await cr.appendMessage(r.id, chatMessage(a, 'c1', 'first'));
      assert.equal(m1.duplicate, false);
      assert.equal(m1.message.offset, 1);
      assert.equal(m1.message.room_id, r.id);
      const again = await cr.appendMessage(r.id, chatMessage(a, 'c1', 'first, resent'));
      assert.deepEqual(again, { message: m1.message, duplicate: true });
      const other = await cr.appendMessage(r.id, chatMessage(b, 'c1', 'same key, other sender'));
      assert.deepEqual([other.duplicate, other.message.offset], [false, 2]);
      const plain = await cr.appendMessage(r.id, chatMessage(a));
      assert.deepEqual([plain.duplicate, plain.message.offset, plain.message.client_msg_id], [false, 3, null]);
      assert.equal((await cr.get(r.id))?.last_offset, 3);
    });

    it('appendMessage at explicit offsets (the channel\'s, with gaps): lists, unread and last_offset follow them; a taken offset is a conflict', async () => {
      const [a, b] = [unique('u'), unique('u')];
      const r = await room([a, b]);
      const cr = store().chatRooms;
      for (const [offset, sender] of [[2, a], [5, b], [6, b], [9, a]] as const) {
        const m = await cr.appendMessage(r.id, { ...chatMessage(sender, `c${offset}`), offset });
        assert.deepEqual([m.duplicate, m.message.offset], [false, offset]);
      }
      const late = await cr.appendMessage(r.id, { ...chatMessage(b, 'late'), offset: 4 });
      assert.equal(late.message.offset, 4, 'an earlier free offset is taken as given (a publish stored after a restart)');
      assert.equal((await cr.get(r.id))?.last_offset, 9);
      await rejectsWith(cr.appendMessage(r.id, { ...chatMessage(a, 'again'), offset: 5 }), 'conflict');
      const offsets = (p: Page<{ offset: number }>): number[] => p.items.map((m) => m.offset);
      assert.deepEqual(offsets(await cr.listMessages(r.id, { before: 6, limit: 2 })), [5, 4]);
      const since = await cr.listMessages(r.id, { since: 3, limit: 2 });
      assert.deepEqual(offsets(since), [4, 5]);
      assert.deepEqual(offsets(await cr.listMessages(r.id, { since: 3, limit: 2, cursor: since.next_cursor })), [6, 9]);
      await cr.markRead(r.id, a, 5);
      assert.equal(await cr.countUnread(r.id, a), 1, 'only offset 6 is after 5 and from someone else');
      const plain = await cr.appendMessage(r.id, chatMessage(a));
      assert.equal(plain.message.offset, 10);
    });

    it('listMessages: newest first by default and with before, oldest first with since, paged', async () => {
      const a = unique('u');
      const r = await room([a]);
      const cr = store().chatRooms;
      for (let i = 1; i <= 5; i++) await cr.appendMessage(r.id, chatMessage(a, `c${i}`, `m${i}`));
      const offsets = (p: Page<{ offset: number }>): number[] => p.items.map((m) => m.offset);
      const newest = await cr.listMessages(r.id, { limit: 2 });
      assert.deepEqual(offsets(newest), [5, 4]);
      const next = await cr.listMessages(r.id, { limit: 2, cursor: newest.next_cursor });
      assert.deepEqual(offsets(next), [3, 2]);
      const last = await cr.listMessages(r.id, { limit: 2, cursor: next.next_cursor });
      assert.deepEqual([offsets(last), last.next_cursor], [[1], null]);
      assert.deepEqual(offsets(await cr.listMessages(r.id, { before: 3 })), [2, 1]);
      const since = await cr.listMessages(r.id, { since: 2, limit: 2 });
      assert.deepEqual(offsets(since), [3, 4]);
      assert.deepEqual(offsets(await cr.listMessages(r.id, { since: 2, limit: 2, cursor: since.next_cursor })), [5]);
      assert.deepEqual(
        (await cr.listMessages(r.id, { since: 4 })).items.map((m) => [m.message, m.sender_id, m.client_msg_id]),
        [['m5', a, 'c5']],
      );
    });

    it('markRead moves forward only and never past the last message; unread counts only the others', async () => {
      const [a, b] = [unique('u'), unique('u')];
      const r = await room([a, b]);
      const cr = store().chatRooms;
      for (const sender of [a, b, b, a, b]) await cr.appendMessage(r.id, chatMessage(sender));
      assert.equal(await cr.countUnread(r.id, a), 3);
      assert.equal(await cr.countUnread(r.id, b), 2);
      const read = await cr.markRead(r.id, a, 3);
      assert.equal(read.participants.find((p) => p.user_id === a)?.last_read_offset, 3);
      assert.equal(await cr.countUnread(r.id, a), 1);
      await cr.markRead(r.id, a, 1);
      assert.equal((await cr.get(r.id))?.participants.find((p) => p.user_id === a)?.last_read_offset, 3, 'never back');
      await cr.markRead(r.id, a, 99);
      assert.equal((await cr.get(r.id))?.participants.find((p) => p.user_id === a)?.last_read_offset, 5, 'capped at last_offset');
      assert.equal(await cr.countUnread(r.id, a), 0);
      assert.equal((await cr.get(r.id))?.participants.find((p) => p.user_id === b)?.last_read_offset, 0, 'others untouched');
      await rejectsWith(cr.markRead(r.id, unique('stranger'), 1), 'not_found');
      await rejectsWith(cr.countUnread(r.id, unique('stranger')), 'not_found');
    });
  });

  group('realtime_notifications', (store) => {
    it('insertMany then get; a repeated id is a conflict', async () => {
      const user = unique('u');
      const [n1, n2] = [notification(user), notification(user, { channel: 'user:x' })];
      await store().notifications.insertMany([n1, n2]);
      assert.deepEqual(await store().notifications.get(n2.id), n2);
      await rejectsWith(store().notifications.insertMany([n1]), 'conflict');
    });

    it('status moves queued → delivered → acked only; first times are kept; another user gets null', async () => {
      const user = unique('u');
      const n = notification(user);
      const ns = store().notifications;
      await ns.insertMany([n]);
      assert.equal(await ns.setStatus(unique('u'), n.id, 'delivered', T0 + 1), null);
      assert.equal(await ns.setStatus(user, unique('n'), 'delivered', T0 + 1), null);
      const d = await ns.setStatus(user, n.id, 'delivered', T0 + 1);
      assert.deepEqual([d?.status, d?.delivered_at], ['delivered', T0 + 1]);
      const d2 = await ns.setStatus(user, n.id, 'delivered', T0 + 2);
      assert.equal(d2?.delivered_at, T0 + 1, 'a redelivery keeps the first time');
      const a = await ns.setStatus(user, n.id, 'acked', T0 + 3);
      assert.deepEqual([a?.status, a?.delivered_at, a?.acked_at], ['acked', T0 + 1, T0 + 3]);
      const after = await ns.setStatus(user, n.id, 'delivered', T0 + 4);
      assert.deepEqual([after?.status, after?.acked_at], ['acked', T0 + 3]);
      const q = notification(user);
      await ns.insertMany([q]);
      const direct = await ns.setStatus(user, q.id, 'acked', T0 + 5);
      assert.deepEqual([direct?.status, direct?.delivered_at, direct?.acked_at], ['acked', T0 + 5, T0 + 5]);
    });

    it('expireDue expires queued and delivered ones past expires_at, never acked ones; expired is final', async () => {
      const user = unique('u');
      const ns = store().notifications;
      const due = notification(user, { expires_at: T0 + 10 });
      const dueDelivered = notification(user, { expires_at: T0 + 10 });
      const acked = notification(user, { expires_at: T0 + 10 });
      const later = notification(user, { expires_at: T0 + 1_000 });
      await ns.insertMany([due, dueDelivered, acked, later]);
      await ns.setStatus(user, dueDelivered.id, 'delivered', T0 + 1);
      await ns.setStatus(user, acked.id, 'acked', T0 + 1);
      // Other users' notifications may share the store: count only ours.
      await ns.expireDue(T0 + 10);
      const status = async (id: string) => (await ns.get(id))?.status;
      assert.deepEqual(await Promise.all([due, dueDelivered, acked, later].map((n) => status(n.id))), ['expired', 'expired', 'acked', 'queued']);
      assert.equal((await ns.setStatus(user, due.id, 'acked', T0 + 11))?.status, 'expired');
      assert.equal(await ns.expireDue(T0 + 10), 0, 'nothing left to expire at that time');
    });

    it('listByUser: newest first, by status, paged', async () => {
      const user = unique('u');
      const ns = store().notifications;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const n = notification(user, { id: `${user}-${i}`, created_at: T0 + Math.floor(i / 2) });
        ids.push(n.id);
        await ns.insertMany([n]);
      }
      await ns.insertMany([notification(unique('u'))]);
      await ns.setStatus(user, ids[1]!, 'delivered', T0 + 9);
      await ns.setStatus(user, ids[3]!, 'delivered', T0 + 9);
      const pages = await allPages((cursor) => ns.listByUser(user, {}, { limit: 2, cursor }));
      assert.deepEqual(pages.map((p) => p.map((r) => r.id)), [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);
      assert.deepEqual((await ns.listByUser(user, { status: 'delivered' })).items.map((r) => r.id), [ids[3], ids[1]]);
      assert.deepEqual((await ns.listByUser(user, { status: 'acked' })).items, []);
    });
  });

  group('pagination', (store) => {
    it('a cursor this server did not give and a bad limit are bad_request; limits above 500 are capped', async () => {
      await rejectsWith(store().notifications.listByUser('u', {}, { cursor: 'not-a-cursor' }), 'bad_request');
      await rejectsWith(store().connections.listConnectedByNode('n', { cursor: Buffer.from('[1,2,3]').toString('base64url') }), 'bad_request');
      await rejectsWith(store().presence.listNotOffline({ limit: 0 }), 'bad_request');
      const prefix = unique('cap');
      const ps = store().presence;
      await Promise.all(Array.from({ length: 501 }, (_, i) => ps.put(presence({ user_id: `${prefix}-${String(i).padStart(3, '0')}` }))));
      const page = await ps.listNotOffline({ limit: 10_000 });
      assert.equal(page.items.length, 500);
      assert.notEqual(page.next_cursor, null);
    });

    it('health is ok', () => {
      const h = store().health();
      assert.equal(h.ok, true, h.detail);
      assert.match(h.detail, /^ok/);
    });
  });
}
