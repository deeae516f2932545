import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_FLAGS, startedWithNodeFlags } from './node-flags.ts';

test('the node flags are found on the command line or in NODE_OPTIONS, whatever value they carry', () => {
  assert.equal(startedWithNodeFlags([...NODE_FLAGS, '--import', 'tsx'], ''), true);
  assert.equal(startedWithNodeFlags(['--import', 'tsx'], '--max-semi-space-size=8 --single-threaded-gc'), true);
  assert.equal(startedWithNodeFlags(['--single-threaded-gc', '--import', 'tsx'], '--max-semi-space-size=8'), true);
  // One of them missing is not started with the flags.
  assert.equal(startedWithNodeFlags(['--import', 'tsx'], '--max-semi-space-size=8'), false);
  assert.equal(startedWithNodeFlags(['--import', 'tsx'], ''), false);
  assert.equal(startedWithNodeFlags(['--max-old-space-size=4'], '--expose-gc'), false);
});
