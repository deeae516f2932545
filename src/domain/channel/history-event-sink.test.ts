import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineBehaviour, type ActorContext } from '../../actors/behaviour.ts';
import { MemoryChannelHistory } from '../../engines/memory/memory-history.ts';
import { fakeActor } from '../../testkit/fake-context.ts';
import { HistoryEventSink } from './history-event-sink.ts';
import { actorEventSink } from './actor-event-sink.ts';
import type { EventSink } from './event-sink.ts';

const limits = { historySize: 10, historyTtlMs: 60_000, idempotencyTtlMs: 600_000 };
const AT = Date.UTC(2026, 11, 6, 15, 0);

/** An actor that publishes one event per message through `sink`. */
function publisher(sink: EventSink) {
  return defineBehaviour<null, { type: 'go'; dedupe?: string }>({
    kind: 'pub',
    messageTypes: ['go'],
    init: () => null,
    handle(state, msg, ctx: ActorContext) {
      sink.publish(ctx, 'auction:a1', { event_type: 'bid_placed', data_json: '{"amount":"1350.30"}', priority: 'high', ...(msg.dedupe ? { dedupe: msg.dedupe } : {}) });
      return { state, persist: true };
    },
  });
}

test('the history sink appends after commit, stamped when handled, once per dedupe key; the actor sink sends to the channel actor', async () => {
  const history = new MemoryChannelHistory({ now: () => AT });
  const a = await fakeActor(publisher(new HistoryEventSink(history, limits)), 'pub:p1', AT);
  await a.handle({ type: 'go', dedupe: 'bid|b1' });
  await a.handle({ type: 'go', dedupe: 'bid|b1' });
  await a.handle({ type: 'go' });
  assert.deepEqual(
    a.afterCommits.map((e) => [e.to, e.what, e.error]),
    [0, 1, 2].map(() => ['channel:auction:a1', 'publish', undefined]),
  );
  assert.deepEqual(a.sent, [], 'nothing through the channel actor');
  const { epoch, offset } = history.top('auction:a1');
  assert.equal(offset, 2, 'the repeated dedupe key appended nothing');
  const frames = (history.readSince('auction:a1', { epoch, offset: 0 }, AT).entries ?? []).map((e) => JSON.parse(e.frame) as Record<string, unknown>);
  assert.deepEqual(
    frames.map((f) => [f.channel, f.offset, f.event_type, f.data, f.ts]),
    [1, 2].map((o) => ['auction:a1', o, 'bid_placed', { amount: '1350.30' }, '2026-12-06T21:00:00.000+06:00']),
  );
  const viaActor = await fakeActor(publisher(actorEventSink), 'pub:p2', AT);
  await viaActor.handle({ type: 'go', dedupe: 'bid|b2' });
  assert.deepEqual(viaActor.sent, [{ to: 'channel:auction:a1', msg: { type: 'publish', event_type: 'bid_placed', data_json: '{"amount":"1350.30"}', priority: 'high', dedupe: 'bid|b2' } }]);
  assert.deepEqual(viaActor.afterCommits, []);
});

test('publishAndWait appends at once and answers the offset, or the first answer of a repeated dedupe key', async () => {
  const history = new MemoryChannelHistory({ now: () => AT });
  const sink = new HistoryEventSink(history, limits);
  const a = await fakeActor(publisher(sink), 'pub:p3', AT);
  const input = { event_type: 'message', data_json: '{"message":"দাম কত?"}', priority: 'normal' as const, dedupe: 'u1|m1' };
  const first = await sink.publishAndWait(a.ctx, 'chat:r1', input);
  const again = await sink.publishAndWait(a.ctx, 'chat:r1', { ...input, data_json: '{}' });
  const { epoch, offset } = history.top('chat:r1');
  assert.deepEqual([first.offset, first.epoch, first.duplicate, offset], [1, epoch, false, 1]);
  assert.deepEqual(again, { ...first, duplicate: true });
  assert.deepEqual(a.afterCommits, [], 'not an effect held for a save');
});
