import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoldExpiries } from './hold-expiries.ts';

test('the earliest expiry and the due holds agree with a scan of the holds, through reserves, confirms and expiries in any order', () => {
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const holds: Record<string, { expiresAt: number }> = Object.create(null);
  const heap = new HoldExpiries();
  let now = 0;
  let next = 0;
  for (let i = 0; i < 20_000; i++) {
    const op = rand(10);
    if (op < 5) {
      const id = `r${next++}`;
      holds[id] = { expiresAt: now + 100 + rand(1000) };
      heap.push(id, holds[id].expiresAt);
    } else if (op < 8) {
      const ids = Object.keys(holds);
      if (ids.length > 0) delete holds[ids[rand(ids.length)]!]; // confirmed or released
    } else {
      now += rand(50);
      const due = Object.keys(holds).filter((id) => holds[id]!.expiresAt <= now).sort();
      const taken = heap.takeDue(holds, now);
      assert.deepEqual([...taken].sort(), due);
      for (const id of taken) delete holds[id];
    }
    const scan = Object.values(holds).reduce<number | undefined>((m, h) => (m === undefined || h.expiresAt < m ? h.expiresAt : m), undefined);
    assert.equal(heap.earliest(holds), scan);
  }
  assert.ok(heap.size <= next);
});

test('built from the loaded holds (a new activation)', () => {
  const holds = { a: { expiresAt: 30 }, b: { expiresAt: 10 }, c: { expiresAt: 20 } };
  const heap = HoldExpiries.of(holds);
  assert.equal(heap.earliest(holds), 10);
  assert.deepEqual(heap.takeDue(holds, 25), ['b', 'c']);
});
