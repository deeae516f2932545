// A user actor saves its state without the fields that hold their defaults,
// reads both that and a state saved in full, and a restart gives back what it had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userBehaviour } from './actor.ts';
import type { UserMessage } from './messages.ts';
import { newPresence } from './rules.ts';
import { packCore, unpackCore, type UserCore } from './saved-state.ts';
import { fakeActor } from '../../testkit/fake-context.ts';

const T0 = Date.UTC(2026, 11, 6, 15, 0);
const QUIET_OFF = { enabled: false, afterMinutes: 20, jumuahMinutes: 60 };
const behaviour = () => userBehaviour({ offlineGraceMs: 1000, limits: { queueMax: 6, historyMax: 3 }, idleMs: 1000, prayerQuiet: QUIET_OFF });

const defaults = (): UserCore => ({ presence: newPresence(), nseq: 0, rooms: [], told: 'offline', division: null, held: [] });

test('packCore leaves out defaults; unpackCore puts them back', () => {
  assert.deepEqual(packCore(defaults()), { presence: { devices: {} }, nseq: 0 });
  assert.deepEqual(unpackCore(packCore(defaults()) as Record<string, unknown>), defaults());
  const full: UserCore = {
    presence: {
      devices: { s1: { node: 'n1', lang: 'bn', device: 'android', since: T0 }, s2: { node: 'n2', lang: 'en', device: null, since: T0 + 5 } },
      status: 'invisible',
      current_page: '/p/1',
      shopping_activity: { cart_items: 2 },
      left_at: T0 - 10,
      last_seen: T0 + 5,
      lang: 'bn',
      hidden_at: T0 + 1,
    },
    nseq: 7,
    rooms: ['r1'],
    told: 'online',
    division: 'sylhet',
    held: [{ until: T0 + 60_000, n: { id: 'x' } } as never],
  };
  const packed = packCore(full);
  assert.deepEqual((packed.presence as { devices: Record<string, object> }).devices.s2, { node: 'n2', lang: 'en', since: T0 + 5 }, 'a null device is left out');
  assert.deepEqual(unpackCore(JSON.parse(JSON.stringify(packed)) as Record<string, unknown>), full);
});

test('a state saved in full (before packing) reads the same', () => {
  const full = { ...defaults(), nseq: 3, told: 'online', presence: { ...newPresence(), last_seen: T0, lang: 'en' } };
  assert.deepEqual(unpackCore(JSON.parse(JSON.stringify(full)) as Record<string, unknown>), full);
  assert.equal(unpackCore({ presence: newPresence() }).nseq, undefined, 'no nseq: saved before pages');
});

test('user actor: a connected user with one device saves under 110 bytes, and a restart reads it back', async () => {
  const a = await fakeActor(behaviour(), 'user:u1', T0);
  await a.handle({ type: 'connect', session: 's_amPOXESDr8', node: 'vm-6453', lang: 'en', device: null } satisfies UserMessage);
  const saved = a.persisted();
  assert.ok(saved !== undefined);
  assert.ok(saved.length < 110, `${saved.length} bytes: ${saved}`);
  // The rooms (a sorted set, saved as parts) compared as their ids.
  const plain = () => ({ ...a.state(), rooms: a.state().rooms.after(null, Infinity) });
  const before = structuredClone(plain());
  await a.restart();
  assert.deepEqual(plain(), before);
});

test('user actor: a state saved in full by an earlier version is read and saved packed', async () => {
  const old = {
    presence: { devices: { s9: { node: 'n1', lang: 'bn', device: null, since: T0 } }, status: 'busy', current_page: null, shopping_activity: null, left_at: null, last_seen: T0, lang: 'bn' },
    nseq: 0,
    rooms: [],
    told: 'busy',
    division: null,
    held: [],
  };
  const a = await fakeActor(behaviour(), 'user:old', T0 + 1000, old);
  assert.equal(a.state().presence.status, 'busy');
  assert.deepEqual(Object.keys(a.state().presence.devices), ['s9']);
  await a.handle({ type: 'presence', status: 'away' } as UserMessage);
  const saved = JSON.parse(a.persisted()!) as Record<string, unknown>;
  assert.deepEqual(saved.presence, { devices: { s9: { node: 'n1', lang: 'bn', since: T0 } }, status: 'away' }, 'last_seen and lang are the device\'s');
  assert.equal(saved.told, undefined, 'told is what others see of away');
});

test('while a device is connected, last_seen, lang and told are left out when they follow from it, and written when they do not', () => {
  const one = { s1: { node: 'n1', lang: 'bn' as const, device: null, since: T0 } };
  const connected: UserCore = { ...defaults(), told: 'online', presence: { ...newPresence(), devices: one, last_seen: T0, lang: 'bn' } };
  assert.deepEqual(packCore(connected), { presence: { devices: { s1: { node: 'n1', lang: 'bn', since: T0 } } }, nseq: 0 });
  assert.deepEqual(unpackCore(packCore(connected)), connected);

  const invisible: UserCore = { ...connected, told: 'offline', presence: { ...connected.presence, status: 'invisible' } };
  assert.equal(packCore(invisible).told, undefined, 'others see an invisible user offline');
  assert.deepEqual(unpackCore(packCore(invisible)), invisible);

  // Two devices, the newer one (en) left: last_seen and lang no longer follow from the one still here.
  const left: UserCore = { ...connected, told: 'busy', presence: { ...connected.presence, status: 'busy', last_seen: T0 + 50, lang: 'en' } };
  const packed = packCore(left);
  assert.deepEqual(packed.presence, { devices: { s1: { node: 'n1', lang: 'bn', since: T0 } }, status: 'busy', last_seen: T0 + 50, lang: 'en' });
  assert.equal(packed.told, undefined);
  assert.deepEqual(unpackCore(JSON.parse(JSON.stringify(packed)) as Record<string, unknown>), left);

  // A told that lags the status (not what others see now) is kept as written.
  const lagging: UserCore = { ...connected, told: 'away' };
  assert.equal(packCore(lagging).told, 'away');
  assert.deepEqual(unpackCore(packCore(lagging)), lagging);

  // Of two devices with the same since, the one added last is the newest.
  const twins: UserCore = { ...connected, presence: { ...connected.presence, devices: { ...one, s2: { node: 'n1', lang: 'en', device: null, since: T0 } }, lang: 'en' } };
  assert.equal((packCore(twins).presence as Record<string, unknown>).lang, undefined);
  assert.deepEqual(unpackCore(JSON.parse(JSON.stringify(packCore(twins))) as Record<string, unknown>), twins);

  // No device: told offline is the default, anything else is written.
  const gone: UserCore = { ...defaults(), told: 'online', presence: { ...newPresence(), left_at: T0, last_seen: T0, lang: 'bn' } };
  assert.deepEqual(packCore(gone), { presence: { devices: {}, left_at: T0, last_seen: T0, lang: 'bn' }, nseq: 0, told: 'online' });
  assert.deepEqual(unpackCore(packCore(gone)), gone);
});
