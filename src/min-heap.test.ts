import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinHeap } from './min-heap.ts';

test('pop gives the smallest key first; upTo lists the items at or under a key without taking them; rebuild keeps what it is told', () => {
  let seed = 3;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const heap = new MinHeap<{ k: number; id: number }>((x) => x.k);
  let model: { k: number; id: number }[] = [];
  for (let i = 0; i < 20_000; i++) {
    const op = rand(10);
    if (op < 6) {
      const item = { k: rand(1000), id: i };
      heap.push(item);
      model.push(item);
    } else if (op < 8) {
      const got = heap.pop();
      const min = model.reduce<number | undefined>((m, x) => (m === undefined || x.k < m ? x.k : m), undefined);
      assert.equal(got?.k, min);
      if (got !== undefined) model.splice(model.indexOf(got), 1);
    } else if (op < 9) {
      const under = rand(1000);
      assert.deepEqual([...heap.upTo(under)].map((x) => x.id).sort((a, b) => a - b), model.filter((x) => x.k <= under).map((x) => x.id).sort((a, b) => a - b));
    } else {
      heap.rebuild((x) => x.id % 3 !== 0);
      model = model.filter((x) => x.id % 3 !== 0);
    }
    assert.equal(heap.size, model.length);
    assert.equal(heap.peek()?.k, model.reduce<number | undefined>((m, x) => (m === undefined || x.k < m ? x.k : m), undefined));
  }
});
