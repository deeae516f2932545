import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonString } from './json-text.ts';

test('jsonString is JSON.stringify for every string', () => {
  const samples = ['', 'a', 'channel:user:u1', 'ev_AbC-_', '"', '\\', 'a"b', 'a\\b', '\n', '\u0000', '\u001f', '\u007f', 'é', '😀', '\u2028', '\ud800', 'x'.repeat(256), `${'x'.repeat(256)}"`, 'x'.repeat(300)];
  for (let c = 0; c < 0x300; c++) samples.push(`a${String.fromCharCode(c)}b`);
  for (const s of samples) assert.equal(jsonString(s), JSON.stringify(s), JSON.stringify(s));
});
