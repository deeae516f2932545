import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashRingPlacement } from './hashring-placement.ts';

const addresses = Array.from({ length: 2000 }, (_, i) => `channel:product:p${i}`);

test('one host owns every address', () => {
  const p = new HashRingPlacement(1);
  for (const a of addresses.slice(0, 50)) assert.equal(p.ownerOf(a), 0);
});

test('owners are stable, spread over every host, and a fifth host moves only part of them', () => {
  const four = new HashRingPlacement(4);
  const again = new HashRingPlacement(4);
  const five = new HashRingPlacement(5);
  const perHost = [0, 0, 0, 0];
  let moved = 0;
  for (const a of addresses) {
    const owner = four.ownerOf(a);
    assert.equal(four.ownerOf(a), owner, 'the memo answers as the ring did');
    assert.equal(again.ownerOf(a), owner, 'another ring over the same hosts agrees');
    perHost[owner]!++;
    const next = five.ownerOf(a);
    if (next !== owner) {
      moved++;
      assert.equal(next, 4, 'an address that moves goes to the new host');
    }
  }
  for (const n of perHost) assert.ok(n > addresses.length / 8, `each host owns a fair share: ${perHost.join(', ')}`);
  assert.ok(moved > 0 && moved < addresses.length / 2, `moved ${moved} of ${addresses.length}`);
});

test('a host count below one is refused', () => {
  assert.throws(() => new HashRingPlacement(0), RangeError);
});
