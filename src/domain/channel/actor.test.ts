// The channel actor in a real host thread, through the node's own behaviours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode } from '../../testkit/node.ts';
import { nextEvent } from '../../testkit/actors.ts';

test('an idle channel whose history expired gives its log back but keeps its position: the next event continues the numbering', async () => {
  const node = await startTestNode({ channels: { idleMs: 50, historyTtlMs: 30, idempotencyTtlMs: 30 }, actors: { passivateSweepMs: 20 } });
  try {
    const a = 'channel:product:idle';
    const first = await node.actors.ask<{ epoch: string; offset: number }>(a, { type: 'publish', event_type: 'x', data_json: '{}', priority: 'normal' });
    assert.equal(first.offset, 1);
    await nextEvent(node.actors, 'lifecycle', (ev) => ev.address === a && ev.kind === 'passivated');
    const again = await node.actors.ask<{ epoch: string; offset: number }>(a, { type: 'publish', event_type: 'x', data_json: '{}', priority: 'normal' });
    // Events ageing out is not a lost history (PROTOCOL.md §4): same epoch, next offset.
    assert.deepEqual([again.epoch, again.offset], [first.epoch, 2]);
  } finally {
    await node.stop();
  }
});

test('an idle channel that still holds history keeps its log and epoch across passivation', async () => {
  const node = await startTestNode({ channels: { idleMs: 50 }, actors: { passivateSweepMs: 20 } });
  try {
    const a = 'channel:product:kept';
    const first = await node.actors.ask<{ epoch: string; offset: number }>(a, { type: 'publish', event_type: 'x', data_json: '{}', priority: 'normal' });
    await nextEvent(node.actors, 'lifecycle', (ev) => ev.address === a && ev.kind === 'passivated');
    const again = await node.actors.ask<{ epoch: string; offset: number }>(a, { type: 'publish', event_type: 'x', data_json: '{}', priority: 'normal' });
    assert.deepEqual([again.epoch, again.offset], [first.epoch, 2]);
  } finally {
    await node.stop();
  }
});
