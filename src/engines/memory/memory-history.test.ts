// The memory engine's history through its verbs (the shared engine suite
// covers the same contract on every engine; these are the memory specifics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryChannelHistory } from './memory-history.ts';
import { QUIET_POSITION_KEPT_MS, type AppendRequest } from '../channel-history.ts';

const bounds = { maxLen: 5, ttlMs: 60_000 };
const clock = { t: 1000, now() { return this.t; } };
const req = (epoch: string, offset: number, at: number, extra: Partial<AppendRequest> = {}): AppendRequest => ({ epoch, offset, frame: `f${offset}`, at, expiresAt: at + 60_000, ...extra });

test('appends only at the next offset of the same epoch; a repeated dedupe key returns the first answer', () => {
  const h = new MemoryChannelHistory(clock);
  const { epoch, offset } = h.top('c');
  assert.equal(offset, 0);
  assert.deepEqual(h.append('c', req(epoch, 1, 1000, { dedupe: { key: 'u|m', answer: 'A1', ttlMs: 600_000 } }), bounds), { kind: 'appended' });
  assert.deepEqual(h.append('c', req(epoch, 1, 1001), bounds), { kind: 'stale', top: { epoch, offset: 1 } });
  assert.deepEqual(h.append('c', req('other', 2, 1001), bounds), { kind: 'stale', top: { epoch, offset: 1 } });
  assert.deepEqual(h.append('c', req(epoch, 2, 1002, { dedupe: { key: 'u|m', answer: 'A2', ttlMs: 600_000 } }), bounds), { kind: 'duplicate', answer: 'A1' });
  assert.equal(h.top('c').offset, 1);
  // remembered for its ttl, then forgotten
  assert.equal(h.append('c', req(epoch, 2, 1000 + 600_000 - 1, { dedupe: { key: 'u|m', answer: 'A2', ttlMs: 600_000 } }), bounds).kind, 'duplicate');
  assert.equal(h.append('c', req(epoch, 2, 1000 + 600_000, { dedupe: { key: 'u|m', answer: 'A2', ttlMs: 600_000 } }), bounds).kind, 'appended');
});

test('readSince replays since.offset+1.. when held; another epoch, a future offset or a since older than the history is not recovered', () => {
  const h = new MemoryChannelHistory(clock);
  const { epoch } = h.top('c');
  for (let i = 1; i <= 8; i++) h.append('c', req(epoch, i, 1000 + i), bounds); // maxLen 5 keeps 4..8
  assert.deepEqual(h.readSince('c', { epoch, offset: 5 }, 2000).entries?.map((e) => e.frame), ['f6', 'f7', 'f8']);
  assert.deepEqual(h.readSince('c', { epoch, offset: 8 }, 2000), { top: { epoch, offset: 8 }, entries: [] });
  assert.equal(h.readSince('c', { epoch, offset: 3 }, 2000).entries?.length, 5);
  assert.equal(h.readSince('c', { epoch, offset: 2 }, 2000).entries, undefined);
  assert.equal(h.readSince('c', { epoch, offset: 9 }, 2000).entries, undefined);
  assert.equal(h.readSince('c', { epoch: 'other', offset: 7 }, 2000).entries, undefined);
});

test('history is bounded by age, and a shorter per-event expiry ends recovery past that event', () => {
  const h = new MemoryChannelHistory(clock);
  const { epoch } = h.top('c');
  h.append('c', req(epoch, 1, 1000), bounds);
  h.append('c', req(epoch, 2, 2000, { expiresAt: 3000 }), bounds);
  h.append('c', req(epoch, 3, 3000), bounds);
  assert.equal(h.readSince('c', { epoch, offset: 1 }, 3500).entries, undefined, 'event 2 expired');
  assert.deepEqual(h.readSince('c', { epoch, offset: 2 }, 3500).entries?.map((e) => e.offset), [3]);
  assert.equal(h.readSince('c', { epoch, offset: 0 }, 61_000).entries, undefined, 'event 1 aged out');
});

test('forgetIfEmpty lets an expired, key-less channel go but keeps its position for an hour, and keeps one that holds anything', () => {
  const at = { t: 1000, now() { return this.t; } };
  const h = new MemoryChannelHistory(at);
  const e1 = h.top('c').epoch;
  h.append('c', req(e1, 1, 1000), bounds);
  h.forgetIfEmpty('c', 2000);
  assert.equal(h.size, 1, 'still holds event 1');
  h.forgetIfEmpty('c', 61_000);
  assert.equal(h.size, 0, 'its log given back');
  at.t = 61_000 + QUIET_POSITION_KEPT_MS - 1;
  assert.deepEqual(h.top('c'), { epoch: e1, offset: 1 }, 'within the hour: same epoch, same offset (events ageing out is not a lost history)');
  assert.deepEqual(h.readSince('c', { epoch: e1, offset: 1 }, at.t), { top: { epoch: e1, offset: 1 }, entries: [] }, 'a client that missed nothing resumes');
  h.forgetIfEmpty('c', at.t);
  h.forgetIfEmpty('other', at.t + 1 + QUIET_POSITION_KEPT_MS - 1);
  at.t += 2 * QUIET_POSITION_KEPT_MS;
  const e2 = h.top('c');
  assert.notEqual(e2.epoch, e1, 'after the hour the position is gone: a new epoch');
  assert.equal(e2.offset, 0);
});

test('idempotency keys: one bound for all the channels of a thread, oldest forgotten first; a dropped channel takes its keys along', () => {
  const h = new MemoryChannelHistory(clock, 3);
  const d = (key: string) => ({ dedupe: { key, answer: `A-${key}`, ttlMs: 600_000 } });
  const next = (ch: string, key: string) => h.appendNext(ch, { id: `e-${key}`, frame: ['[', ',', ']'], at: 1000, expiresAt: 61_000, ...d(key) }, bounds).kind;
  assert.deepEqual(['a', 'b', 'c'].map((ch) => next(ch, 'u|1')), ['appended', 'appended', 'appended']);
  assert.deepEqual(['a', 'b', 'c'].map((ch) => next(ch, 'u|1')), ['duplicate', 'duplicate', 'duplicate'], 'the same key in three channels: three keys');
  assert.equal(next('d', 'u|1'), 'appended');
  assert.equal(next('a', 'u|1'), 'appended', "a's key was the thread's oldest: forgotten past the bound of 3");
  assert.equal(next('c', 'u|1'), 'duplicate');
  h.drop('c');
  assert.equal(h.dedupeAnswer('c', 'u|1'), undefined);
  assert.equal(next('c', 'u|1'), 'appended', 'drop forgets the keys of the channel');
});

test('a quiet channel with live idempotency keys is kept whole; once they expire it is forgotten, its position kept', () => {
  const h = new MemoryChannelHistory(clock);
  const t0 = clock.t;
  const { epoch } = h.top('q');
  h.append('q', { ...req(epoch, 1, t0, { dedupe: { key: 'u|k', answer: 'A1', ttlMs: 1000 } }), expiresAt: t0 + 10 }, bounds);
  h.forgetIfEmpty('q', t0 + 500);
  assert.equal(h.size, 1, 'its key lives until t0 + 1000');
  assert.equal(h.dedupeAnswer('q', 'u|k'), 'A1');
  h.forgetIfEmpty('q', t0 + 1000);
  assert.equal(h.size, 0);
  clock.t = t0 + 1000;
  assert.deepEqual(h.top('q'), { epoch, offset: 1 });
  assert.equal(h.append('q', req(epoch, 2, t0 + 1000, { dedupe: { key: 'u|k', answer: 'A2', ttlMs: 1000 } }), bounds).kind, 'appended');
  clock.t = t0;
});
