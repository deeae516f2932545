import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, withTimeout } from './wait.ts';

test('waitFor resolves with the first accepted value', { timeout: 5000 }, async () => {
  let n = 0;
  assert.equal(await waitFor(() => ++n, (v) => v >= 3, { timeoutMs: 1000 }), 3);
});

test('waitFor rejects with a clear message and the last value when the condition never holds', { timeout: 5000 }, async () => {
  await assert.rejects(waitFor(() => 'nope', (v) => v === 'yes', { timeoutMs: 50, what: 'yes' }), /timed out after 50 ms waiting for yes; last value: "nope"/);
});

test('withTimeout rejects when the promise never settles', { timeout: 5000 }, async () => {
  await assert.rejects(withTimeout(new Promise(() => {}), { timeoutMs: 20, what: 'never' }), /timed out after 20 ms waiting for never/);
  assert.equal(await withTimeout(Promise.resolve(7), { timeoutMs: 20 }), 7);
});
