// A publish that a survivor hands to the channel a second time after a
// takeover (the same mailbox delivery id, `via`) is appended once; distinct
// deliveries are distinct events, and a client_msg_id still wins over `via`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelBehaviour } from './actor.ts';
import type { ChannelMessage, PublishResult } from './messages.ts';
import { MemoryChannelHistory } from '../../engines/memory/memory-history.ts';
import { fakeActor } from '../../testkit/fake-context.ts';

const T0 = Date.UTC(2026, 11, 6, 16, 0);
const limits = { historySize: 100, historyTtlMs: 60_000, idempotencyTtlMs: 600_000 };

async function channel() {
  const history = new MemoryChannelHistory({ now: () => T0 });
  const a = await fakeActor(channelBehaviour({ history, limits }), 'product:p1', T0);
  const publish = (extra: Partial<Extract<ChannelMessage, { type: 'publish' }>>) =>
    a.handle({ type: 'publish', event_type: 'product_price_change', data_json: '{"p":1}', priority: 'normal', ...extra }) as Promise<PublishResult>;
  return { publish };
}

test('the same mailbox delivery handled twice appends one event and answers the first offset', async () => {
  const c = await channel();
  const first = await c.publish({ via: 'n1.k3f' });
  const again = await c.publish({ via: 'n1.k3f' });
  assert.equal(first.duplicate, false);
  assert.equal(again.duplicate, true);
  assert.equal(again.offset, first.offset);
  assert.equal(again.id, first.id);
  const other = await c.publish({ via: 'n1.k3g' });
  assert.equal(other.offset, first.offset + 1, 'another delivery is another event');
  const plain = await c.publish({});
  const plain2 = await c.publish({});
  assert.equal(plain2.offset, plain.offset + 1, 'a local publish (no via) is never deduplicated');
  assert.equal(plain2.offset, first.offset + 3, 'four events in all');
});

test('a client_msg_id key wins over via: a client retry through another node is still answered once', async () => {
  const c = await channel();
  const first = await c.publish({ dedupe: 'u1|m-1', via: 'n1.a' });
  const retry = await c.publish({ dedupe: 'u1|m-1', via: 'n2.b' });
  assert.equal(retry.duplicate, true);
  assert.equal(retry.offset, first.offset);
  assert.equal((await c.publish({ dedupe: 'u1|m-2', via: 'n2.b' })).offset, first.offset + 1, 'one event before this one');
});
