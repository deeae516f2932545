import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryChannelHistory } from '../engines/memory/memory-history.ts';
import type { ChannelHistory, NextAppendOutcome } from '../engines/channel-history.ts';
import { HaatError, INTERNAL_MESSAGE } from '../errors.ts';
import { HistoryPublisher } from './history-publisher.ts';
import type { PublishRequest, PublishResult } from './channel-publisher.ts';

const limits = { historySize: 10, historyTtlMs: 60_000, idempotencyTtlMs: 600_000 };
const NOW = Date.UTC(2026, 11, 6, 14, 0);
const clock = { now: () => NOW };

function req(extra: Partial<PublishRequest> = {}): PublishRequest {
  return { channel: 'product:p1', event_type: 'price_update', data: { price: 1350.3, name: 'শাড়ি "লাল"' }, priority: 'high', ttl_s: undefined, sender: 'pub1', client_msg_id: undefined, ...extra };
}

test('a publish is appended as the §2 event frame, numbered by the history, and answered with its id and offset', async () => {
  const history = new MemoryChannelHistory(clock);
  const p = new HistoryPublisher(history, limits, clock);
  const a = await p.publish(req());
  const b = await p.publish(req({ data: { price: 1 } }));
  const { epoch } = history.top('product:p1');
  assert.deepEqual([a.offset, a.epoch, a.duplicate, b.offset, b.epoch], [1, epoch, false, 2, epoch]);
  assert.notEqual(a.id, b.id);
  const entries = history.readSince('product:p1', { epoch, offset: 0 }, NOW).entries ?? [];
  assert.deepEqual(JSON.parse(entries[0]!.frame), {
    type: 'event',
    channel: 'product:p1',
    epoch,
    offset: 1,
    id: a.id,
    event_type: 'price_update',
    priority: 'high',
    data: { price: 1350.3, name: 'শাড়ি "লাল"' },
    ts: '2026-12-06T20:00:00.000+06:00',
  });
  assert.equal(entries[0]!.expiresAt, NOW + limits.historyTtlMs);
});

test('a repeated client_msg_id of the same sender answers the first publish; another sender\'s is its own', async () => {
  const history = new MemoryChannelHistory(clock);
  const p = new HistoryPublisher(history, limits, clock);
  const first = await p.publish(req({ client_msg_id: 'm1' }));
  const again = await p.publish(req({ client_msg_id: 'm1', data: { other: true } }));
  assert.deepEqual(again, { ...first, duplicate: true });
  const other = await p.publish(req({ client_msg_id: 'm1', sender: 'pub2' }));
  assert.equal(other.offset, 2);
  assert.equal(history.top('product:p1').offset, 2);
});

test('ttl_s shortens how long the event is kept', async () => {
  const history = new MemoryChannelHistory(clock);
  await new HistoryPublisher(history, limits, clock).publish(req({ ttl_s: 5 }));
  const { epoch } = history.top('product:p1');
  assert.equal(history.readSince('product:p1', { epoch, offset: 0 }, NOW).entries?.[0]?.expiresAt, NOW + 5_000);
});

test('request answers through its callback: the answer, a catalogue error as it is, anything else as internal', async () => {
  const answer = (p: HistoryPublisher): Promise<[HaatError | undefined, PublishResult | undefined]> => new Promise((resolve) => p.request(req(), (err, value) => resolve([err, value])));
  const [err, ok] = await answer(new HistoryPublisher(new MemoryChannelHistory(clock), limits, clock));
  assert.equal(err, undefined);
  assert.equal(ok?.offset, 1);
  const failing = (e: Error): ChannelHistory => {
    const h = new MemoryChannelHistory(clock);
    return Object.assign(h, { appendNext: (): Promise<NextAppendOutcome> => Promise.reject(e) });
  };
  const [down] = await answer(new HistoryPublisher(failing(new HaatError('unavailable', 'redis is unreachable')), limits, clock));
  assert.equal(down?.code, 'unavailable');
  assert.equal(down?.temporary, true);
  const [broken] = await answer(new HistoryPublisher(failing(new Error('script answered nonsense')), limits, clock));
  assert.equal(broken?.code, 'internal');
  assert.equal(broken?.message, INTERNAL_MESSAGE);
  assert.match(broken?.id ?? '', /^err_/);
});
