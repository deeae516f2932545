import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderedFeed } from './ordered-feed.ts';
import { MemoryChannelHistory } from '../engines/memory/memory-history.ts';
import type { BusEvent } from '../engines/channel-bus.ts';
import { silentLogger } from '../log/logger.ts';
import { waitFor } from '../testkit/wait.ts';

// A real memory history stands in for the channel's stream; the bus is what the test feeds.
function setup() {
  const history = new MemoryChannelHistory({ now: () => 1000 });
  const { epoch } = history.top('c');
  const events: BusEvent[] = [];
  const append = (offset: number): BusEvent => {
    const ev = { channel: 'c', epoch, offset, at: 1000, frame: `f${offset}` };
    assert.equal(history.append('c', { epoch, offset, frame: ev.frame, at: 1000, expiresAt: 100_000 }, { maxLen: 100, ttlMs: 100_000 }).kind, 'appended');
    return ev;
  };
  const delivered: number[] = [];
  let release: (() => void) | undefined;
  const feed = new OrderedFeed({
    deliver: (ev) => delivered.push(ev.offset),
    read: async (ch, since) => {
      if (release) await new Promise<void>((r) => (release = r));
      return history.readSince(ch, since, 1000);
    },
    logger: silentLogger(),
  });
  const gate = (): void => {
    release = () => {};
  };
  const open = (): void => release?.();
  return { feed, append, delivered, epoch, gate, open, history };
}

test('a repeat is dropped, the next offset passes, and a jump is filled from history before what follows', async () => {
  const { feed, append, delivered } = setup();
  const evs = Array.from({ length: 8 }, (_, i) => append(i + 1));
  feed.onEvent(evs[0]!);
  feed.onEvent(evs[1]!);
  feed.onEvent(evs[1]!); // repeat
  feed.onEvent(evs[4]!); // 3 and 4 were missed
  feed.onEvent(evs[5]!); // arrives while the gap is being filled
  await new Promise((r) => setImmediate(r));
  feed.onEvent(evs[6]!);
  feed.onEvent(evs[3]!); // late copy of a filled one
  feed.onEvent(evs[7]!);
  assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(feed.gapsFilled, 1);
});

test('whenAt runs at once when the feed has passed the offset, and between two deliveries when it has not', async () => {
  const { feed, append, delivered, epoch, gate, open } = setup();
  const evs = Array.from({ length: 6 }, (_, i) => append(i + 1));
  feed.onEvent(evs[0]!);
  let ranAt: number[] | undefined;
  feed.whenAt('c', { epoch, offset: 1 }, () => (ranAt = [...delivered]));
  assert.deepEqual(ranAt, [1]);
  // An answer at offset 4 while the bus lags at 1: the feed fetches 2..4 itself and calls back after 4, before 5.
  gate();
  const done = new Promise<number[]>((resolve) => feed.whenAt('c', { epoch, offset: 4 }, () => resolve([...delivered])));
  feed.onEvent(evs[4]!); // 5 arrives while the fill is held
  open();
  assert.deepEqual(await done, [1, 2, 3, 4]);
  await new Promise((r) => setImmediate(r));
  // The fill read everything history held (up to 6); the late bus copies of 5 and 6 are dropped.
  feed.onEvent(evs[5]!);
  assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6]);
});

test('a channel without a cursor starts at the join position; a new epoch is followed from its start', () => {
  const { feed, delivered } = setup();
  let ran = false;
  feed.whenAt('c', { epoch: 'old', offset: 7 }, () => (ran = true));
  assert.ok(ran);
  feed.onEvent({ channel: 'c', epoch: 'old', offset: 7, at: 0, frame: '' });
  feed.onEvent({ channel: 'c', epoch: 'old', offset: 8, at: 0, frame: '' });
  feed.onEvent({ channel: 'c', epoch: 'new', offset: 1, at: 0, frame: '' });
  assert.deepEqual(delivered, [8, 1]);
  assert.deepEqual(feed.position('c'), { epoch: 'new', offset: 1 });
});

test('a gap that history no longer holds is reported and the feed goes on from the top', async () => {
  const history = new MemoryChannelHistory({ now: () => 1000 });
  const { epoch } = history.top('c');
  for (let i = 1; i <= 10; i++) history.append('c', { epoch, offset: i, frame: `f${i}`, at: 1000, expiresAt: 100_000 }, { maxLen: 3, ttlMs: 100_000 });
  const delivered: number[] = [];
  const losses: number[] = [];
  const feed = new OrderedFeed({ deliver: (ev) => delivered.push(ev.offset), read: async (ch, since) => history.readSince(ch, since, 1000), logger: silentLogger(), onLoss: (_c, n) => losses.push(n) });
  feed.onEvent({ channel: 'c', epoch, offset: 1, at: 0, frame: 'f1' });
  feed.onEvent({ channel: 'c', epoch, offset: 10, at: 0, frame: 'f10' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(delivered, [1]);
  assert.deepEqual(losses, [9]);
  assert.deepEqual(feed.position('c'), { epoch, offset: 10 });
});

test('a resync after the history was lost (a new epoch) delivers the new epoch from its start, not from its top', async () => {
  const history = new MemoryChannelHistory({ now: () => 1000 });
  const old = history.top('c').epoch;
  for (let i = 1; i <= 2; i++) history.append('c', { epoch: old, offset: i, frame: `o${i}`, at: 1000, expiresAt: 100_000 }, { maxLen: 100, ttlMs: 100_000 });
  const delivered: string[] = [];
  const losses: number[] = [];
  const feed = new OrderedFeed({ deliver: (ev) => delivered.push(`${ev.epoch === old ? 'old' : 'new'}:${ev.offset}`), read: async (ch, since) => history.readSince(ch, since, 1000), logger: silentLogger(), onLoss: (_c, n) => losses.push(n) });
  feed.onEvent({ channel: 'c', epoch: old, offset: 1, at: 0, frame: 'o1' });
  feed.onEvent({ channel: 'c', epoch: old, offset: 2, at: 0, frame: 'o2' });
  // Redis restarted empty while the bus was down: the channel numbers again from 1 in a new epoch.
  history.drop('c');
  const fresh = history.top('c').epoch;
  assert.notEqual(fresh, old);
  for (let i = 1; i <= 3; i++) history.append('c', { epoch: fresh, offset: i, frame: `n${i}`, at: 1000, expiresAt: 100_000 }, { maxLen: 100, ttlMs: 100_000 });
  feed.resyncAll();
  await waitFor(() => delivered.length, (n) => n >= 5, { what: 'the new epoch delivered' });
  assert.deepEqual(delivered, ['old:1', 'old:2', 'new:1', 'new:2', 'new:3']);
  assert.deepEqual(losses, [-1]);
  assert.deepEqual(feed.position('c'), { epoch: fresh, offset: 3 });
});
