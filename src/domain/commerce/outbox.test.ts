// Outbox entries of notifications: what is saved is the spec (type and
// parameters), not the text in both languages; sending renders it, the same
// after a reload as at the commit, and entries saved with their text by an
// earlier release are still sent as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sendOutbox, type NotifyEntry } from './outbox.ts';
import { actorEventSink } from '../channel/actor-event-sink.ts';
import { notify, notificationOf } from '../notification/notify.ts';
import { fakeActor } from '../../testkit/fake-context.ts';
import { defineBehaviour } from '../../actors/behaviour.ts';
import { HaatError } from '../../errors.ts';

const NOW = Date.UTC(2026, 11, 6, 15, 0);

function outbid(): NotifyEntry {
  return notify('u1', 'auction_outbid', { auction_title: 'Walton Primo R10', amount: 1350.3 }, 'auction:a1|outbid|7', { data: { auction_id: 'a1', amount: 1350.3 }, now: NOW });
}

/** A context that only records what is sent. */
async function recorder() {
  const b = defineBehaviour<null, { type: 'x' }>({ kind: 'probe', messageTypes: ['x'], init: () => null, handle: (s) => ({ state: s }) });
  return fakeActor(b, 'probe:1', NOW);
}

test('a notify entry saves its spec, not its text; rendered again after a reload it is the same notification', () => {
  const e = outbid();
  const saved = JSON.stringify(e);
  assert.ok(!saved.includes('Walton Primo R10 নিলামে') && !saved.includes('"title"'), `no rendered text in ${saved}`);
  const reloaded = JSON.parse(saved) as NotifyEntry;
  const n = notificationOf(reloaded);
  assert.deepEqual(n, notificationOf(e));
  assert.equal(n.id, notificationOf(outbid()).id, 'the id is derived from the dedupe key');
  assert.match(n.title.bn, /[\u0980-\u09FF]/, 'Bengali title');
  assert.match(n.message.bn, /৳১,৩৫০\.৩০/, 'Bengali digits and the taka sign');
});

test('sendOutbox sends reloaded spec entries and entries saved with their text by an earlier release', async () => {
  const a = await recorder();
  const legacy = { kind: 'notify', user: 'u2', notification: { ...notificationOf(outbid()), id: 'nt_legacy' } } as NotifyEntry;
  sendOutbox(a.ctx, [JSON.parse(JSON.stringify(outbid())) as NotifyEntry, legacy], actorEventSink);
  assert.deepEqual(a.sent.map((s) => s.to), ['user:u1', 'user:u2']);
  const [first, second] = a.sent.map((s) => (s.msg as unknown as { notifications: { id: string; title: { en: string } }[] }).notifications[0]!);
  assert.equal(first!.id, notificationOf(outbid()).id);
  assert.equal(first!.title.en, notificationOf(outbid()).title.en);
  assert.equal(second!.id, 'nt_legacy');
});

test('notify still refuses bad parameters before the notifying actor saves', () => {
  assert.throws(
    () => notify('u1', 'auction_outbid', { auction_title: 'x' }, 'k', { data: {}, now: NOW }),
    (err: unknown) => err instanceof HaatError && err.code === 'bad_request',
  );
});
