import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizeText } from './sanitize.ts';

test('markup is removed, text without markup passes unchanged (trimmed)', () => {
  assert.equal(sanitizeText('<script>alert(1)</script><b>দাম</b> কমেছে'), 'দাম কমেছে');
  assert.equal(sanitizeText('  plain text, ১০% off  '), 'plain text, ১০% off');
  assert.equal(sanitizeText('<img src=x onerror=alert(1)>'), '');
  assert.equal(sanitizeText('a < b & c'), 'a &lt; b &amp; c');
});
