import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dict } from './dict.ts';

test('keys named after Object.prototype members are keys like any other', () => {
  const d = dict<number>();
  assert.equal(d['constructor'], undefined);
  assert.equal(d['toString'], undefined);
  d['__proto__'] = 5;
  d['constructor'] = 6;
  assert.deepEqual(Object.keys(d), ['__proto__', 'constructor']);
  assert.equal(d['__proto__'], 5);
  assert.equal(JSON.stringify(d), '{"__proto__":5,"constructor":6}');
});

test('a copy of a record parsed from JSON keeps its __proto__ key', () => {
  const parsed = JSON.parse('{"__proto__":{"stock":5},"x":{"stock":1}}') as Record<string, { stock: number }>;
  const d = dict(parsed);
  assert.deepEqual(Object.keys(d), ['__proto__', 'x']);
  assert.equal(d['__proto__']!.stock, 5);
  assert.equal(Object.getPrototypeOf(d), null);
});
