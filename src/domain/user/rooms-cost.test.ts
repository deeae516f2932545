import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userBehaviour } from './actor.ts';
import type { UserMessage } from './messages.ts';
import { fakeActor } from '../../testkit/fake-context.ts';
import { yieldToTimers } from '../../testkit/wait.ts';

const T0 = Date.UTC(2026, 11, 6, 15, 0);
const QUIET_OFF = { enabled: false, afterMinutes: 20, jumuahMinutes: 60 };
const behaviour = () => userBehaviour({ offlineGraceMs: 1000, limits: { queueMax: 6, historyMax: 3 }, idleMs: 1000, prayerQuiet: QUIET_OFF });

// A user's rooms only grow (a support agent joins every room it helps in).
// Each join, and every other save of the user (a connection, a presence
// change, a notification), wrote the whole list again with the state, and
// each join looked the room up in the list: 30,000 joins took about 13 s.
// With each room a state part of its own, a join writes one part: about 0.6 s.
test('a room joined writes that room, not every room of the user again', { timeout: 7000 }, async () => {
  const a = await fakeActor(behaviour(), 'user:agent', T0);
  const n = 30_000;
  const room = (i: number): string => `r_${((i * 7919) % n).toString(36).padStart(4, '0')}`;
  for (let i = 0; i < n; i++) {
    assert.deepEqual(await a.handle({ type: 'room_joined', room_id: room(i) } satisfies UserMessage), { ok: true });
    if (i % 2000 === 0) await yieldToTimers();
  }
  // Joined again: nothing changes.
  await a.handle({ type: 'room_joined', room_id: room(5) } satisfies UserMessage);
  const expected = Array.from({ length: n }, (_, i) => room(i)).sort();
  const listed = (await a.handle({ type: 'list_rooms' } satisfies UserMessage)) as { rooms: string[] };
  assert.deepEqual([...listed.rooms].sort(), expected);
  // A connection saves a state that does not grow with the rooms.
  await a.handle({ type: 'connect', session: 's1', node: 'n1', lang: 'en', device: null } satisfies UserMessage);
  assert.ok(a.persisted()!.length < 1000, `the state saved is ${a.persisted()!.length} characters`);
  await a.restart();
  const again = (await a.handle({ type: 'list_rooms' } satisfies UserMessage)) as { rooms: string[] };
  assert.deepEqual([...again.rooms].sort(), expected, 'the same rooms after a restart');
});

test('a state saved with its rooms in it is read, and its next save writes them as parts and leaves them out', async () => {
  const old = { presence: { devices: {}, left_at: T0, last_seen: T0, lang: 'bn' }, nseq: 0, rooms: ['r_b', 'r_a'] };
  const a = await fakeActor(behaviour(), 'user:old', T0, old);
  assert.deepEqual(await a.handle({ type: 'list_rooms' } satisfies UserMessage), { rooms: ['r_a', 'r_b'] });
  assert.deepEqual(a.saves, [], 'a listing saves nothing');
  await a.handle({ type: 'room_joined', room_id: 'r_c' } satisfies UserMessage);
  assert.deepEqual(a.partNames().sort(), ['r.r_a', 'r.r_b', 'r.r_c']);
  assert.equal((JSON.parse(a.persisted()!) as Record<string, unknown>).rooms, undefined);
  await a.handle({ type: 'room_joined', room_id: 'r_d' } satisfies UserMessage);
  assert.deepEqual(a.saves.at(-1), ['r.r_d'], 'then each join writes its own room');
  await a.restart();
  assert.deepEqual(await a.handle({ type: 'list_rooms' } satisfies UserMessage), { rooms: ['r_a', 'r_b', 'r_c', 'r_d'] });

  // Moved by whatever saves first: here a connection.
  const b = await fakeActor(behaviour(), 'user:old2', T0, old);
  await b.handle({ type: 'connect', session: 's1', node: 'n1', lang: 'en', device: null } satisfies UserMessage);
  assert.deepEqual(b.partNames().sort(), ['r.r_a', 'r.r_b']);
  assert.equal((JSON.parse(b.persisted()!) as Record<string, unknown>).rooms, undefined);
  await b.restart();
  assert.deepEqual(await b.handle({ type: 'list_rooms' } satisfies UserMessage), { rooms: ['r_a', 'r_b'] });
});

test('a room id too long for a part name is saved under its hash, and read back', async () => {
  const long = `r_${'x'.repeat(126)}`;
  const a = await fakeActor(behaviour(), 'user:long', T0);
  await a.handle({ type: 'room_joined', room_id: long } satisfies UserMessage);
  await a.handle({ type: 'room_joined', room_id: 'r_short' } satisfies UserMessage);
  for (const name of a.partNames()) assert.match(name, /^[A-Za-z0-9_.-]{1,64}$/);
  await a.restart();
  assert.deepEqual(await a.handle({ type: 'list_rooms' } satisfies UserMessage), { rooms: ['r_short', long] });
  await a.handle({ type: 'room_joined', room_id: long } satisfies UserMessage);
  assert.equal(a.partNames().length, 2);
});
