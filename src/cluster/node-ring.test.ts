import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeRing } from './node-ring.ts';

const addresses = Array.from({ length: 3000 }, (_, i) => `channel:product:p${i}`);

test('every node computes the same owners from the same view, whatever order it lists the nodes in', () => {
  const a = new NodeRing(['n1', 'n2', 'n3'], 4);
  const b = new NodeRing(['n3', 'n1', 'n2'], 4);
  const per = new Map<string, number>();
  for (const x of addresses) {
    assert.equal(a.ownerOf(x), b.ownerOf(x));
    per.set(a.ownerOf(x)!, (per.get(a.ownerOf(x)!) ?? 0) + 1);
  }
  for (const n of ['n1', 'n2', 'n3']) assert.ok((per.get(n) ?? 0) > addresses.length / 6, `fair share: ${[...per].join(' ')}`);
});

test('adding a node moves only the addresses whose owner changed (to the new node); removing it moves them back', () => {
  const three = new NodeRing(['n1', 'n2', 'n3'], 1);
  const four = new NodeRing(['n1', 'n2', 'n3', 'n4'], 2);
  let moved = 0;
  for (const x of addresses) {
    const before = three.ownerOf(x);
    const after = four.ownerOf(x);
    if (before !== after) {
      moved++;
      assert.equal(after, 'n4', `${x} moved from ${before} to ${after}, not to the new node`);
    }
  }
  assert.ok(moved > addresses.length / 8 && moved < addresses.length / 2, `moved ${moved}`);
  const back = new NodeRing(['n1', 'n2', 'n3'], 3);
  for (const x of addresses) assert.equal(back.ownerOf(x), three.ownerOf(x));
});

test('one node owns everything; no node owns nothing', () => {
  assert.equal(new NodeRing(['solo'], 1).ownerOf('channel:x'), 'solo');
  assert.equal(new NodeRing([], 1).ownerOf('channel:x'), undefined);
});
