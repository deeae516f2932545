import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, expiryOf, type HistoryLimits } from './rules.ts';

const limits: HistoryLimits = { historySize: 5, historyTtlMs: 60_000, idempotencyTtlMs: 600_000 };

test('the event frame is the one of §2, in a fixed key order, with the data spliced in as encoded', () => {
  const frame = JSON.parse(encodeEvent('product:p1', { epoch: 'e1', offset: 3 }, 'ev_1', { event_type: 'x', data_json: '{"name":"দাম \\"কম\\""}', priority: 'high' }, Date.UTC(2026, 10, 24, 13, 5)));
  assert.deepEqual(Object.keys(frame), ['type', 'channel', 'epoch', 'offset', 'id', 'event_type', 'priority', 'data', 'ts']);
  assert.deepEqual([frame.type, frame.channel, frame.epoch, frame.offset, frame.id, frame.priority], ['event', 'product:p1', 'e1', 3, 'ev_1', 'high']);
  assert.deepEqual(frame.data, { name: 'দাম "কম"' });
  assert.equal(frame.ts, '2026-11-24T19:05:00.000+06:00');
});

test('an event is held for the history age, or for its own ttl_s when that is shorter', () => {
  const input = { event_type: 'x', data_json: '{}', priority: 'normal' as const };
  assert.equal(expiryOf(input, 1000, limits), 61_000);
  assert.equal(expiryOf({ ...input, ttl_s: 1 }, 1000, limits), 2000);
  assert.equal(expiryOf({ ...input, ttl_s: 3600 }, 1000, limits), 61_000);
});
