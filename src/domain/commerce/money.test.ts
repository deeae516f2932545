import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toPaisa, toTaka } from './money.ts';

test('taka amounts become exact paisa: no float drift', () => {
  assert.equal(toPaisa(1350.1)! + toPaisa(0.2)!, 135030);
  assert.equal(toTaka(toPaisa(1350.1)! + toPaisa(0.2)!), 1350.3);
  assert.notEqual(0.1 + 0.2, 0.3, 'what floats give');
  assert.equal(toTaka(toPaisa(0.1)! + toPaisa(0.2)!), 0.3);
  assert.equal(toPaisa(0.29), 29);
  assert.equal(toPaisa(19.99), 1999);
  assert.equal(toPaisa(1e9), 1e11);
});

test('more than two decimals, non-finite and huge amounts are refused', () => {
  for (const bad of [1.005, 0.001, Number.NaN, Number.POSITIVE_INFINITY, 1e13]) assert.equal(toPaisa(bad), undefined, String(bad));
  // Digits far past the second decimal are decimals too, not a binary fraction's error to round away.
  for (const bad of [1350.100000001, 100.000000001, 0.0000001, 1e-7, -2.345]) assert.equal(toPaisa(bad), undefined, String(bad));
  assert.equal(toPaisa(9_999_999_999.99), 999_999_999_999);
  assert.equal(toPaisa(-12.5), -1250);
  assert.equal(toPaisa(JSON.parse('1350.10') as number), 135010);
  assert.equal(Object.is(toPaisa(-0), 0), true);
});
