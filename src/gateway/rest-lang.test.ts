import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedLang, requestedLang } from './rest-lang.ts';

test('Accept-Language: the en or bn with the highest q; region subtags count as their language', () => {
  assert.equal(acceptedLang('bn'), 'bn');
  assert.equal(acceptedLang('bn-BD,bn;q=0.9,en;q=0.8'), 'bn');
  assert.equal(acceptedLang('en-US,en;q=0.9,bn;q=0.5'), 'en');
  assert.equal(acceptedLang('fr;q=1, bn;q=0.4, en;q=0.3'), 'bn');
  assert.equal(acceptedLang('fr,de'), undefined);
  assert.equal(acceptedLang('bn;q=0'), undefined);
});

test('?lang= wins over the header; neither gives undefined (the token, then English, decide)', () => {
  assert.equal(requestedLang(new URLSearchParams('lang=bn'), 'en'), 'bn');
  assert.equal(requestedLang(new URLSearchParams('lang=en'), 'bn'), 'en');
  assert.equal(requestedLang(new URLSearchParams('lang=fr'), 'bn'), 'bn');
  assert.equal(requestedLang(new URLSearchParams(''), ''), undefined);
});
