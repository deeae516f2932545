import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflationBuffer } from './conflation.ts';
import { conflationKey, leanEventOf, type LeanEvent } from './event-meta.ts';
import { classify, initialClassifier, type ClassifierState, type LinkThresholds } from './link-classifier.ts';

const ev = (offset: number, key: string): LeanEvent & { key: string } => ({ channel: 'product:p1', offset, priority: 'normal', key, frame: `f${offset}` });

test('a conflation buffer keeps the newest event per key, in offset order', () => {
  const b = new ConflationBuffer();
  b.add(ev(1, 'a'));
  b.add(ev(2, 'b'));
  b.add(ev(3, 'a'));
  b.add(ev(4, 'c'));
  b.add(ev(5, 'b'));
  assert.equal(b.maxOffset, 5);
  assert.deepEqual(b.peek().map((e) => e.offset), [3, 4, 5]);
  assert.deepEqual(b.take().map((e) => e.offset), [3, 4, 5]);
  assert.equal(b.size, 0);
  assert.equal(b.conflated, 2);
  assert.equal(b.maxOffset, 0);
});

test('the conflation key names the event type and the item; events about nothing in particular have none', () => {
  assert.equal(conflationKey('product_price_change', { product_id: 'p1', new_price: 10 }), 'product_price_change|product_id=p1');
  assert.equal(conflationKey('product_stock_update', { sale_id: 's1', sku: 'k1', available: 3 }), 'product_stock_update|sku=k1');
  assert.notEqual(conflationKey('product_price_change', { product_id: 'p1' }), conflationKey('product_price_change', { product_id: 'p2' }));
  assert.equal(conflationKey('message', { message: 'hi', sender_id: 'u1' }), undefined);
  assert.equal(conflationKey('x', 'a string'), undefined);
  const frame = JSON.stringify({ type: 'event', channel: 'product:p1', offset: 3, event_type: 'product_price_change', priority: 'high', data: { product_id: 'p1' } });
  assert.deepEqual(leanEventOf('product:p1', 3, frame), { channel: 'product:p1', offset: 3, priority: 'high', key: undefined, frame });
  const low = JSON.stringify({ type: 'event', event_type: 'new_product_added', priority: 'low', data: { product_id: 'p9' } });
  assert.equal(leanEventOf('category:c', 4, low).key, 'new_product_added|product_id=p9');
});

const T: LinkThresholds = { enterRttMs: 400, exitRttMs: 200, rtt2gMs: 800, slowDrainBytesPerS: 16_384, samples: 3 };

function run(samples: { rttMs: number | undefined; bufferedBytes: number; drainBytesPerS: number }[]): { state: ClassifierState; switches: (string | undefined)[] } {
  let state = initialClassifier();
  const switches: (string | undefined)[] = [];
  for (const s of samples) {
    const out = classify(state, s, T);
    state = out.state;
    if (out.changed) switches.push(state.measured ?? 'normal');
  }
  return { state, switches };
}

test('a long RTT with a backlog that drains slowly switches to lean after three samples, and back after three fast ones', () => {
  const slow = { rttMs: 1200, bufferedBytes: 40_000, drainBytesPerS: 6_000 };
  const fast = { rttMs: 30, bufferedBytes: 0, drainBytesPerS: 0 };
  assert.deepEqual(run([slow, slow]).switches, []);
  assert.deepEqual(run([slow, slow, slow]).switches, ['2g']);
  assert.deepEqual(run([slow, slow, slow, { ...slow, rttMs: 500 }, fast, fast]).switches, ['2g'], 'two fast samples are not enough');
  assert.deepEqual(run([slow, slow, slow, fast, fast, fast]).switches, ['2g', 'normal']);
  assert.deepEqual(run([{ ...slow, rttMs: 500 }, { ...slow, rttMs: 500 }, { ...slow, rttMs: 500 }]).switches, ['3g']);
});

test('a busy fast link is never switched: short RTT, or a backlog that drains fast, or no backlog at all', () => {
  const busyLoopback = { rttMs: 0.4, bufferedBytes: 900_000, drainBytesPerS: 50_000_000 };
  assert.deepEqual(run(Array(20).fill(busyLoopback)).switches, []);
  // A client whose pongs wait behind a big backlog, but which drains it fast.
  assert.deepEqual(run(Array(20).fill({ rttMs: 900, bufferedBytes: 500_000, drainBytesPerS: 2_000_000 })).switches, []);
  // Far away but keeping up with its traffic.
  assert.deepEqual(run(Array(20).fill({ rttMs: 900, bufferedBytes: 0, drainBytesPerS: 0 })).switches, []);
  // Samples that alternate never make a run.
  const slow = { rttMs: 1200, bufferedBytes: 40_000, drainBytesPerS: 6_000 };
  assert.deepEqual(run([slow, slow, busyLoopback, slow, slow, busyLoopback]).switches, []);
});
