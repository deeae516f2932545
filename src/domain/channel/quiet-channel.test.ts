// PROTOCOL.md §4, exactly: the epoch "changes only when a channel's history is
// lost"; events ageing out of it are not a loss. A channel that went quiet
// (its events aged out, its actor passivated with nobody watching) keeps its
// epoch and numbering: a client that missed nothing resumes recovered:true,
// and the next event continues the offsets (memory engine; Redis keeps its
// meta key as long).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../../testkit/node.ts';
import { passivatedAt } from '../../testkit/actors.ts';
import { untilTime } from '../../testkit/commerce.ts';
import { withTimeout } from '../../testkit/wait.ts';

let node: TestNode;
before(async () => {
  node = await startTestNode({ actors: { passivateSweepMs: 50 }, channels: { historyTtlMs: 100, idleMs: 300 } });
});
after(async () => {
  await node.stop();
});

test('a quiet channel keeps its epoch and offset after its events aged out and its actor passivated', { timeout: 30_000 }, async () => {
  const ch = 'product:quiet';
  const pub = await node.connect({ token: await token({ sub: 'pub', roles: ['publisher'] }) });
  const sub = await node.connect();
  const j1 = await sub.request({ type: 'join_channel', channels: [ch] });
  const { epoch } = (j1.channels as { epoch: string }[])[0]!;
  assert.equal((await pub.request({ type: 'broadcast_event', channel: ch, event_type: 'tick', data: { n: 1 } })).offset, 1);
  await sub.next((f) => f.type === 'event' && f.channel === ch && f.offset === 1);
  const quiet = passivatedAt(node.actors, `channel:${ch}`);
  await sub.close();
  // Nobody watches: once idle (after the event aged out) the actor passivates and the engine forgets the empty history.
  await quiet;
  const back = await node.connect();
  const j2 = await back.request({ type: 'join_channel', channels: [ch], since: { [ch]: { epoch, offset: 1 } } });
  assert.deepEqual(j2.channels, [{ channel: ch, epoch, offset: 1, recovered: true }]);
  const r2 = await pub.request({ type: 'broadcast_event', channel: ch, event_type: 'tick', data: { n: 2 } });
  assert.deepEqual([r2.offset, (await back.next((f) => f.type === 'event' && f.channel === ch)).epoch], [2, epoch], 'the numbering goes on in the same epoch');
  await Promise.all([pub.close(), back.close()]);
});

test('a quiet channel with a subscriber stays active (memory engine): the subscriber gets the next event however long the wait', { timeout: 30_000 }, async () => {
  const ch = 'order:quiet-sub';
  const sub = await node.connect({ token: await token({ sub: 'buyer', roles: ['customer'], channels: [ch] }) });
  assert.equal((await sub.request({ type: 'join_channel', channels: [ch] })).type, 'channels_joined');
  // Several idle periods (idleMs 300, swept every 50 ms) pass with the subscriber there.
  await untilTime(Date.now() + 1000);
  const pub = await node.connect({ token: await token({ sub: 'pub', roles: ['publisher'] }) });
  const r = await pub.request({ type: 'broadcast_event', channel: ch, event_type: 'order_status_update', data: { order_id: 'quiet-sub', status: 'shipped' } });
  assert.equal(r.type, 'reply', JSON.stringify(r));
  const ev = await withTimeout(sub.next((f) => f.type === 'event' && f.channel === ch), { what: 'the event after a quiet spell', timeoutMs: 5000 });
  assert.equal(ev.offset, r.offset);
  // Without a subscriber it passivates as before.
  const gone = passivatedAt(node.actors, `channel:${ch}`);
  await sub.close();
  await gone;
  await pub.close();
});
