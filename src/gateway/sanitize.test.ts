import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizeText, stripMarkup, stripMarkupDeep, visibleLength } from './sanitize.ts';

test('markup is removed, text without markup passes unchanged (trimmed)', () => {
  assert.equal(sanitizeText('<script>alert(1)</script><b>দাম</b> কমেছে'), 'দাম কমেছে');
  assert.equal(sanitizeText('  plain text, ১০% off  '), 'plain text, ১০% off');
  assert.equal(sanitizeText('<img src=x onerror=alert(1)>'), '');
  assert.equal(sanitizeText('a < b & c'), 'a &lt; b &amp; c');
});

test('markup leaves every string of a JSON value, keys included; a reader sees an escaped & as one character', () => {
  assert.deepEqual(stripMarkupDeep({ a: '<b>x</b>', '<i>k</i>': [1, '<img src=x>y'], n: null }), { a: 'x', k: [1, 'y'], n: null });
  assert.equal(stripMarkup('  kept as it is  '), '  kept as it is  ');
  assert.equal(visibleLength(sanitizeText('a < b & c')), 9);
  assert.equal(visibleLength('দাম'), 3);
});
