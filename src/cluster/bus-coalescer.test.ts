// Bus events handed on in batches, in order, within the delay; at once with none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BusEvent } from '../engines/channel-bus.ts';
import { silentLogger } from '../log/logger.ts';
import { waitFor } from '../testkit/wait.ts';
import { BusCoalescer } from './bus-coalescer.ts';

const ev = (offset: number): BusEvent => ({ channel: 'product:p1', epoch: 'e', offset, at: 0, frame: `{"offset":${offset}}` });

test('events within the delay are handed on together, in arrival order, once the delay has passed', async () => {
  const got: number[][] = [];
  let turn: number[] = [];
  const c = new BusCoalescer((e) => {
    if (turn.length === 0) queueMicrotask(() => (got.push(turn), (turn = [])));
    turn.push(e.offset);
  }, 20, silentLogger());
  const t0 = Date.now();
  c.push(ev(1));
  c.push(ev(2));
  await new Promise<void>((r) => setImmediate(r));
  c.push(ev(3));
  assert.deepEqual(got, [], 'nothing before the delay');
  await waitFor(() => got.length, (n) => n === 1, { timeoutMs: 2000, what: 'the batch' });
  assert.ok(Date.now() - t0 >= 19, 'after the delay');
  assert.deepEqual(got, [[1, 2, 3]], 'one turn, in order');
  c.push(ev(4));
  await waitFor(() => got.length, (n) => n === 2, { timeoutMs: 2000, what: 'the next batch' });
  assert.deepEqual(got[1], [4]);
});

test('with no delay each event is handed on at once; flush hands on what waits; a failing event does not drop the rest', () => {
  const now: number[] = [];
  new BusCoalescer((e) => now.push(e.offset), 0, silentLogger()).push(ev(7));
  assert.deepEqual(now, [7]);

  const got: number[] = [];
  const c = new BusCoalescer((e) => {
    if (e.offset === 2) throw new Error('boom');
    got.push(e.offset);
  }, 10_000, silentLogger());
  c.push(ev(1));
  c.push(ev(2));
  c.push(ev(3));
  assert.deepEqual(got, []);
  c.flush();
  assert.deepEqual(got, [1, 3]);
  c.flush();
  assert.deepEqual(got, [1, 3], 'nothing twice');
});
