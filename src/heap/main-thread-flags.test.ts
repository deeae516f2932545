import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAIN_THREAD_NODE_FLAGS, startedWithMainThreadFlags } from './main-thread-flags.ts';

test('the main-thread flags are found on the command line or in NODE_OPTIONS, whatever value they carry', () => {
  assert.equal(startedWithMainThreadFlags([...MAIN_THREAD_NODE_FLAGS, '--import', 'tsx'], ''), true);
  assert.equal(startedWithMainThreadFlags(['--import', 'tsx'], '--max-semi-space-size=8'), true);
  assert.equal(startedWithMainThreadFlags(['--import', 'tsx'], ''), false);
  assert.equal(startedWithMainThreadFlags(['--max-old-space-size=4'], '--expose-gc'), false);
});
