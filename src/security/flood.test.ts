import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FloodGuard } from './flood.ts';

test('over factor x rate frames within the window is flooding; a new window starts over', () => {
  const g = new FloodGuard({ floodFactor: 10, floodWindowMs: 1000 });
  const c = { messagesPerSecond: 2, floodWindowStart: 0, floodCount: 0 };
  for (let i = 0; i < 20; i++) assert.equal(g.count(c, 500), false, `frame ${i + 1}`);
  assert.equal(g.count(c, 999), true, 'the 21st frame in the window');
  assert.equal(g.count(c, 1000), false, 'the next window');
  assert.equal(c.floodCount, 1);
});
