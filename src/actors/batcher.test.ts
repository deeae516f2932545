// What a Batcher posts: one JSON array per flush, the items in the order
// pushed, at the end of the turn or as soon as `max` items wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher, decodeBatch, decodeBatchWithBlobs } from './batcher.ts';
import { EngineLink, serveEngineOp } from './engine-link.ts';
import { MemoryActorStateEngine } from '../engines/memory/memory-actor-state.ts';
import type { FromHost } from './wire.ts';

type Posted = string | readonly string[];

function collect(): { posted: Posted[]; port: { postMessage(v: Posted): void } } {
  const posted: Posted[] = [];
  return { posted, port: { postMessage: (v) => posted.push(v) } };
}

test('one item, two items and a full batch each post one array, in order', async () => {
  const { posted, port } = collect();
  const b = new Batcher<unknown>(port, 3, 'microtask');
  b.push({ a: 1 });
  await Promise.resolve();
  b.push('x');
  b.pushEncoded('[1,2]');
  await Promise.resolve();
  b.push(1);
  b.push(2);
  b.push(3); // the third reaches max: posted at once, before the turn ends
  assert.equal(posted.length, 3);
  b.push(4);
  await Promise.resolve();
  assert.deepEqual(posted.map((p) => decodeBatch(p)), [[{ a: 1 }], ['x', [1, 2]], [1, 2, 3], [4]]);
});

test('a flush with nothing queued posts nothing', async () => {
  const { posted, port } = collect();
  const b = new Batcher<unknown>(port, 10, 'immediate');
  b.schedule();
  await new Promise((r) => setImmediate(r));
  b.flush();
  assert.deepEqual(posted, []);
});

test('blobs go beside their batch as they are, named by index, and the next batch starts without them', async () => {
  const { posted, port } = collect();
  const b = new Batcher<unknown>(port, 2, 'microtask');
  const text = '{"q":"a \\"quoted\\" দর"}';
  b.push({ ref: b.blob(text) });
  b.push({ ref: b.blob('second') }); // reaches max: this batch is posted with both blobs
  b.push('plain');
  await Promise.resolve();
  assert.equal(posted.length, 2);
  const first = decodeBatchWithBlobs<{ ref: number }>(posted[0]);
  assert.deepEqual(first.items, [{ ref: 0 }, { ref: 1 }]);
  assert.equal(first.blobs[first.items[0]!.ref], text);
  assert.equal(first.blobs[first.items[1]!.ref], 'second');
  // The texts were not escaped into the batch: its JSON holds only the indices.
  assert.equal((posted[0] as readonly string[])[0], '[{"ref":0},{"ref":1}]');
  assert.equal(posted[1], '["plain"]');
  assert.deepEqual(decodeBatchWithBlobs(posted[1]), { items: ['plain'], blobs: [] });
  assert.throws(() => decodeBatch(posted[0]), /batch with blobs/);
  assert.throws(() => decodeBatchWithBlobs(['[1]', 2]), /batch string/);
});

test('a save crosses to the main thread engine with its state and parts beside the batch, and is stored as written', async () => {
  const { posted, port } = collect();
  const out = new Batcher<FromHost>(port, 100, 'microtask');
  const link = new EngineLink(out);
  const state = new MemoryActorStateEngine();
  const engines = { state, reminders: undefined as never };
  const saved = link.saveMany([{ address: 'user:u1', state: undefined, encoded: '{"nseq":2,"name":"রহিম \\"R\\""}', ringEpoch: 0, expectVersion: 0, parts: { n1: '{"id":"nt_1"}', n0: null } }]);
  await Promise.resolve();
  assert.equal(posted.length, 1);
  const { items, blobs } = decodeBatchWithBlobs<FromHost>(posted[0]);
  const call = items[0]!;
  assert.equal(call.k, 'x');
  if (call.k !== 'x') return;
  const outcome = await serveEngineOp(engines, call.op, blobs);
  link.settle(call.i, outcome, undefined);
  assert.deepEqual(await saved, [{ ok: true, version: 1 }]);
  const stored = await state.load('user:u1');
  assert.deepEqual(stored?.state, { nseq: 2, name: 'রহিম "R"' });
  assert.deepEqual(stored?.parts, { n1: { id: 'nt_1' } });
  // A save that names a blob its batch does not carry is refused, not stored half.
  await assert.rejects(serveEngineOp(engines, { o: 'saveBlobs', reqs: [{ a: 'user:u2', s: 5, e: 0, v: 0 }] }, blobs), /names blob 5/);
});
