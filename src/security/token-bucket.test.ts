import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './token-bucket.ts';

test('allows a burst, then refuses with the wait until the next token', () => {
  const b = new TokenBucket(20, 40, 0);
  for (let i = 0; i < 40; i++) assert.equal(b.take(0), 0);
  assert.equal(b.take(0), 50);
  assert.equal(b.take(50), 0, 'one token back after 50 ms at 20/s');
  assert.ok(b.take(50) > 0);
});

test('refills to the burst, never beyond', () => {
  const b = new TokenBucket(10, 5, 0);
  for (let i = 0; i < 5; i++) b.take(0);
  let allowed = 0;
  while (b.take(100_000) === 0) allowed++;
  assert.equal(allowed, 5);
});
