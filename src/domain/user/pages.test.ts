// The user actor saves each notification as a state part of its own: each
// save writes only the entries a message touched, and what a restart reads
// back is the list it had, also from a state saved before parts existed and
// from the pages of four entries that the release before this one saved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userBehaviour } from './actor.ts';
import type { NewNotification, UserMessage } from './messages.ts';
import { entryParts, fromParts, type StoredNotification } from './rules.ts';
import { fakeActor } from '../../testkit/fake-context.ts';

const T0 = Date.UTC(2026, 11, 6, 15, 0);
const QUIET_OFF = { enabled: false, afterMinutes: 20, jumuahMinutes: 60 };
const behaviour = () => userBehaviour({ offlineGraceMs: 1000, limits: { queueMax: 6, historyMax: 3 }, idleMs: 1000, prayerQuiet: QUIET_OFF });

function n(id: string, at = T0): NewNotification {
  return { id, notification_type: 'order_status_update', title: { en: id, bn: id }, message: { en: id, bn: id }, data: { id }, priority: 'high', created_at: at, expires_at: at + 3600_000 };
}

const view = (list: readonly StoredNotification[]) => list.map((x) => [x.id, x.status]);

test('entryParts and fromParts: an entry a part, null once it is gone; pages of an earlier release are read and named', () => {
  const list = [0, 1, 2, 5, 9].map((seq) => ({ ...n(`x${seq}`), seq, status: 'queued', delivered_at: null, acked_at: null }) as StoredNotification);
  const parts = entryParts(list, new Set([0, 5, 7]));
  assert.deepEqual(Object.keys(parts).sort(), ['e0', 'e5', 'e7']);
  assert.equal(parts.e7, null);
  assert.equal(parts.e5?.id, 'x5');
  const back = fromParts({ e9: list[4], n0: [list[0], list[1]], other: [1], e1: { ...list[1], status: 'acked' } });
  assert.deepEqual(back.list.map((x) => [x.seq, x.status]), [[0, 'queued'], [1, 'acked'], [9, 'queued']], "an entry's own part wins over its page");
  assert.deepEqual(back.pages, ['n0']);
});

test('user actor: a notification saves the few pages it touched; a restart reads the same list back', async () => {
  const a = await fakeActor(behaviour(), 'user:paged', T0);
  await a.handle({ type: 'connect', session: 's1', node: 'n1', lang: 'en', device: null } satisfies UserMessage);
  for (let i = 0; i < 20; i++) await a.handle({ type: 'notify', notifications: [n(`m${i}`)] } satisfies UserMessage);
  await a.handle({ type: 'ack', ids: ['m15', 'm17'] } satisfies UserMessage);
  // 20 queued with 6 open kept: the older ones expired, and only the 3 newest final entries
  // stay (the two acks are trimmed on the next enqueue).
  const before = view(a.state().notifications);
  assert.deepEqual(before, [['m11', 'expired'], ['m12', 'expired'], ['m13', 'expired'], ['m14', 'delivered'], ['m15', 'acked'], ['m16', 'delivered'], ['m17', 'acked'], ['m18', 'delivered'], ['m19', 'delivered']]);
  for (const parts of a.saves) assert.ok(parts.length <= 3, `a save wrote ${parts.length} entries: ${parts.join(',')}`);
  assert.ok(a.saves.some((p) => p.length > 0));
  await a.restart();
  assert.deepEqual(view(a.state().notifications), before, 'the same list after a restart');
  // The next one after the restart continues the numbering (no part is reused for a new entry).
  await a.handle({ type: 'notify', notifications: [n('m20')] } satisfies UserMessage);
  const seqs = a.state().notifications.map((x) => x.seq);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  assert.equal(seqs[seqs.length - 1], 20);
  await a.restart();
  assert.deepEqual(a.state().notifications.at(-1)?.id, 'm20');
});

test('user actor: a state saved before parts (the list inside it) is read, numbered and written in parts by the next save', async () => {
  const old = {
    presence: { devices: {}, status: 'online', current_page: null, shopping_activity: null, left_at: T0, last_seen: T0, lang: 'bn' },
    notifications: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ ...n(id), status: 'queued', delivered_at: null, acked_at: null })),
    rooms: [],
    told: 'offline',
    division: null,
    held: [],
  };
  const a = await fakeActor(behaviour(), 'user:legacy', T0 + 1000, old);
  assert.deepEqual(view(a.state().notifications), ['a', 'b', 'c', 'd', 'e'].map((id) => [id, 'queued']));
  await a.handle({ type: 'ack', ids: ['b'] } satisfies UserMessage);
  assert.deepEqual(a.saves.at(-1)?.sort(), ['e0', 'e1', 'e2', 'e3', 'e4'], 'every entry written once');
  await a.restart();
  assert.deepEqual(view(a.state().notifications), [['a', 'queued'], ['b', 'acked'], ['c', 'queued'], ['d', 'queued'], ['e', 'queued']]);
  await a.handle({ type: 'notify', notifications: [n('f', T0 + 2000)] } satisfies UserMessage);
  assert.equal(a.state().notifications.at(-1)?.seq, 5);
});

test('user actor: a full queue does not move the expiry reminder on every notify; one that fires early is set again; the store gets each delivered entry once', async () => {
  const a = await fakeActor(behaviour(), 'user:expiry', T0);
  await a.handle({ type: 'connect', session: 's1', node: 'n1', lang: 'en', device: null } satisfies UserMessage);
  for (let i = 0; i < 10; i++) await a.handle({ type: 'notify', notifications: [n(`m${i}`, T0 + i * 1000)] } satisfies UserMessage);
  // queueMax 6: m0..m3 were evicted, the earliest open expiry is m4's; the reminder stayed where m0 set it.
  assert.equal(a.reminders.get('expire'), T0 + 3600_000);
  a.at(T0 + 3600_000);
  await a.handle({ type: 'reminder', name: 'expire', due_at: T0 + 3600_000 } as UserMessage);
  assert.equal(a.state().notifications.filter((x) => x.status === 'delivered').length, 6, 'nothing open was due yet');
  assert.equal(a.reminders.get('expire'), T0 + 4000 + 3600_000, 'set again at the earliest open expiry');
  a.at(T0 + 4000 + 3600_000);
  await a.handle({ type: 'reminder', name: 'expire', due_at: T0 + 4000 + 3600_000 } as UserMessage);
  assert.deepEqual(a.state().notifications.filter((x) => x.id === 'm4').map((x) => x.status), ['expired']);
  assert.equal(a.reminders.get('expire'), T0 + 5000 + 3600_000);
  // Delivered at once: inserted as delivered, with no second write moving it there.
  const store = a.emitted.filter((e): e is { k: string; inserted?: { id: string; status: string; delivered_at: number | null }[]; statuses?: unknown[] } => (e as { k: string }).k === 'user_store');
  const inserted = store.flatMap((e) => e.inserted ?? []);
  assert.deepEqual(inserted.map((r) => r.id), Array.from({ length: 10 }, (_, i) => `m${i}`));
  assert.ok(inserted.every((r) => r.status === 'delivered' && r.delivered_at !== null));
  assert.ok(store.every((e) => e.statuses === undefined), 'no status writes for entries delivered as they were queued');
});

test('user actor: pages of four saved by the release before are read, and the next save writes their entries as parts and drops the pages', async () => {
  const stored = (id: string, seq: number, status: string) => ({ ...n(id), seq, status, delivered_at: status === 'queued' ? null : T0, acked_at: status === 'acked' ? T0 : null });
  const core = { presence: { devices: {} }, nseq: 6 };
  const pages = { n0: [stored('p0', 0, 'acked'), stored('p1', 1, 'delivered'), stored('p2', 2, 'queued'), stored('p3', 3, 'queued')], n1: [stored('p4', 4, 'queued'), stored('p5', 5, 'queued')] };
  const a = await fakeActor(behaviour(), 'user:paged-before', T0 + 1000, core, pages);
  assert.deepEqual(view(a.state().notifications), [['p0', 'acked'], ['p1', 'delivered'], ['p2', 'queued'], ['p3', 'queued'], ['p4', 'queued'], ['p5', 'queued']]);
  await a.handle({ type: 'ack', ids: ['p4'] } satisfies UserMessage);
  assert.deepEqual(a.partNames().sort(), ['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
  await a.restart();
  assert.deepEqual(view(a.state().notifications), [['p0', 'acked'], ['p1', 'delivered'], ['p2', 'queued'], ['p3', 'queued'], ['p4', 'acked'], ['p5', 'queued']]);
  await a.handle({ type: 'notify', notifications: [n('p6', T0 + 2000)] } satisfies UserMessage);
  assert.deepEqual(a.saves.at(-1), ['e6'], 'from then on a notify writes its own entry');
});
