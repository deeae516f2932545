import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES, closeReason, MAX_CLOSE_REASON_BYTES } from './close-codes.ts';

test('the close codes of PROTOCOL.md §9, each once', () => {
  const codes = Object.values(CLOSE_CODES).map((c) => c.code);
  assert.deepEqual([...codes].sort(), [1001, 1009, 1011, 4001, 4003, 4008, 4009, 4029]);
  assert.equal(CLOSE_CODES.policy_violation.code, 4008);
  assert.equal(CLOSE_CODES.slow_consumer.code, 4009);
  assert.equal(CLOSE_CODES.too_many_connections.code, 4029);
  assert.equal(CLOSE_CODES.draining.code, 1001);
  assert.equal(CLOSE_CODES.too_large.code, 1009);
});

test('a close reason fits a close frame, also in Bengali', () => {
  assert.equal(closeReason('forbidden'), 'forbidden');
  assert.equal(closeReason('forbidden', 'fraud review'), 'fraud review');
  const long = closeReason('forbidden', 'প্রতারণা '.repeat(40));
  assert.ok(Buffer.byteLength(long) <= MAX_CLOSE_REASON_BYTES);
  assert.ok(long.length > 0);
});
