import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryActorStateEngine } from './memory-actor-state.ts';

test('saves are versioned from 0 and load returns state, version and ring epoch', async () => {
  const e = new MemoryActorStateEngine();
  assert.equal(await e.load('sale:s1'), undefined);
  assert.deepEqual(await e.saveMany([{ address: 'sale:s1', state: { left: 5 }, ringEpoch: 1, expectVersion: 0 }]), [{ ok: true, version: 1 }]);
  assert.deepEqual(await e.saveMany([{ address: 'sale:s1', state: { left: 4 }, ringEpoch: 1, expectVersion: 1 }]), [{ ok: true, version: 2 }]);
  assert.deepEqual(await e.load('sale:s1'), { state: { left: 4 }, version: 2, ringEpoch: 1 });
});

test('a save with an older ring epoch is refused even with the right version', async () => {
  const e = new MemoryActorStateEngine();
  await e.saveMany([{ address: 'auction:a', state: 1, ringEpoch: 5, expectVersion: 0 }]);
  assert.deepEqual(await e.saveMany([{ address: 'auction:a', state: 2, ringEpoch: 4, expectVersion: 1 }]), [{ ok: false, reason: 'fenced', stored: { version: 1, ringEpoch: 5 } }]);
  assert.deepEqual(await e.saveMany([{ address: 'auction:a', state: 3, ringEpoch: 6, expectVersion: 1 }]), [{ ok: true, version: 2 }], 'a newer epoch is fine');
  assert.equal((await e.load('auction:a'))!.state, 3);
});

test('a save against a stale version is refused; outcomes come in request order within a batch', async () => {
  const e = new MemoryActorStateEngine();
  const out = await e.saveMany([
    { address: 'user:u', state: 'a', ringEpoch: 0, expectVersion: 0 },
    { address: 'user:v', state: 'b', ringEpoch: 0, expectVersion: 3 },
    { address: 'user:u', state: 'c', ringEpoch: 0, expectVersion: 0 },
  ]);
  assert.deepEqual(out, [
    { ok: true, version: 1 },
    { ok: false, reason: 'fenced', stored: { version: 0, ringEpoch: 0 } },
    { ok: false, reason: 'fenced', stored: { version: 1, ringEpoch: 0 } },
  ]);
  assert.equal((await e.load('user:u'))!.state, 'a');
});

test('the stored state is a copy; drop forgets it', async () => {
  const e = new MemoryActorStateEngine();
  const s = { items: [1] };
  await e.saveMany([{ address: 'room:r', state: s, ringEpoch: 0, expectVersion: 0 }]);
  s.items.push(2);
  assert.deepEqual((await e.load('room:r'))!.state, { items: [1] });
  await e.drop('room:r');
  assert.equal(await e.load('room:r'), undefined);
});
