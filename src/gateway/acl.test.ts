// Channel names (PROTOCOL.md §3) as parseChannel reads them, first time and
// from its cache of valid names, which is emptied when full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChannel } from './acl.ts';

test('valid names are split into namespace and id, the same on every call', () => {
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(parseChannel('product:sku-1.a_B'), { namespace: 'product', id: 'sku-1.a_B' });
    assert.deepEqual(parseChannel('user:u42'), { namespace: 'user', id: 'u42' });
  }
});

test('invalid names are refused, also after a valid name that looks like them', () => {
  parseChannel('product:p1');
  for (const bad of ['product:p1 ', 'Product:p1', 'nope:p1', 'product:', 'product', `product:${'x'.repeat(129)}`, 'product:a/b', 42, null, undefined]) {
    assert.equal(parseChannel(bad), undefined, String(bad));
  }
});

test('a kept result cannot be changed by whoever got it', () => {
  const first = parseChannel('category:phones')!;
  assert.throws(() => {
    (first as { id: string }).id = 'laptops';
  }, TypeError);
  assert.deepEqual(parseChannel('category:phones'), { namespace: 'category', id: 'phones' });
});

test('more distinct names than the cache holds still parse right, before and after it is emptied', () => {
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 10_000; i++) assert.deepEqual(parseChannel(`order:o${i}`), { namespace: 'order', id: `o${i}` });
  }
});
