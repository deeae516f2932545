import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './load.ts';

test('translate: phrasebook only by default; HAAT_TRANSLATE_URL sets the provider; a bad URL stops the node naming the setting', () => {
  assert.deepEqual(loadConfig({ env: {} }).translate, { url: null, timeoutMs: 800 });
  assert.equal(loadConfig({ env: { HAAT_TRANSLATE_URL: 'http://translate.internal:5000' } }).translate.url, 'http://translate.internal:5000');
  assert.throws(() => loadConfig({ env: { HAAT_TRANSLATE_URL: 'translate.internal' } }), (err: unknown) => err instanceof ConfigError && /translate\.url/.test(err.message));
});
