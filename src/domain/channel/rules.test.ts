import { test } from 'node:test';
import assert from 'node:assert/strict';
import { append, recover, type HistoryLimits } from './rules.ts';
import type { ChannelLog } from './log.ts';
import { FrameRing } from './frame-ring.ts';
import { ChunkPool } from './chunk-pool.ts';

const limits: HistoryLimits = { historySize: 5, historyTtlMs: 60_000, idempotencyTtlMs: 600_000 };
const newLog = (): ChannelLog => ({ channel: 'product:p1', epoch: 'e1', offset: 0, history: new FrameRing(limits.historySize, new ChunkPool()), dedupe: new Map(), watchers: new Set() });
const pub = (log: ChannelLog, now: number, extra: object = {}) => append(log, { event_type: 'x', data_json: JSON.stringify({ now }), priority: 'normal', ...extra }, now, `ev_${now}`, limits);

test('offsets start at 1 and are gap-free; the frame is the event frame of §2', () => {
  const log = newLog();
  const a = pub(log, 1000);
  const b = pub(log, 1001);
  assert.equal(a.answer.offset, 1);
  assert.equal(b.answer.offset, 2);
  assert.ok(!a.duplicate);
  const frame = JSON.parse(a.event.frame);
  assert.deepEqual(Object.keys(frame), ['type', 'channel', 'epoch', 'offset', 'id', 'event_type', 'priority', 'data', 'ts']);
  assert.equal(frame.type, 'event');
  assert.equal(frame.epoch, 'e1');
  assert.match(frame.ts, /\+06:00$/);
});

test('a repeated dedupe key returns the first answer and appends nothing', () => {
  const log = newLog();
  const first = pub(log, 1000, { dedupe: 'u1|m1' });
  const again = pub(log, 2000, { dedupe: 'u1|m1' });
  assert.equal(again.duplicate, true);
  assert.deepEqual(again.answer, first.answer);
  assert.equal(log.offset, 1);
  // remembered at least 10 minutes, then forgotten
  assert.equal(pub(log, 1000 + 600_000 - 1, { dedupe: 'u1|m1' }).duplicate, true);
  assert.equal(pub(log, 1000 + 600_001, { dedupe: 'u1|m1' }).duplicate, false);
});

test('recovery replays since.offset+1 .. current when the history holds it', () => {
  const log = newLog();
  for (let i = 0; i < 4; i++) pub(log, 1000 + i);
  const r = recover(log, { epoch: 'e1', offset: 2 }, 2000, limits);
  assert.equal(r.recovered, true);
  assert.equal(r.offset, 4);
  assert.deepEqual(r.replay.map((f) => JSON.parse(f).offset), [3, 4]);
  assert.deepEqual(recover(log, { epoch: 'e1', offset: 4 }, 2000, limits), { epoch: 'e1', offset: 4, recovered: true, replay: [] });
});

test('another epoch, a future offset, or a since older than the history: recovered false, no replay', () => {
  const log = newLog();
  for (let i = 0; i < 8; i++) pub(log, 1000 + i); // size 5 keeps 4..8
  assert.deepEqual(recover(log, { epoch: 'other', offset: 7 }, 2000, limits), { epoch: 'e1', offset: 8, recovered: false, replay: [] });
  assert.equal(recover(log, { epoch: 'e1', offset: 2 }, 2000, limits).recovered, false);
  assert.equal(recover(log, { epoch: 'e1', offset: 3 }, 2000, limits).recovered, true);
  assert.equal(recover(log, { epoch: 'e1', offset: 9 }, 2000, limits).recovered, false);
  assert.equal(recover(log, undefined, 2000, limits).recovered, false);
});

test('history is bounded by age, and per-event ttl_s shortens it', () => {
  const log = newLog();
  pub(log, 1000);
  pub(log, 2000, { ttl_s: 1 });
  pub(log, 3000);
  assert.equal(recover(log, { epoch: 'e1', offset: 1 }, 3500, limits).recovered, false, 'event 2 expired after 1 s');
  assert.equal(recover(log, { epoch: 'e1', offset: 2 }, 3500, limits).recovered, true);
  assert.equal(recover(log, { epoch: 'e1', offset: 0 }, 1000 + 60_000, limits).recovered, false, 'event 1 aged out');
});
