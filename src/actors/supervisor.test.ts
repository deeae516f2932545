import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onCrash } from './supervisor.ts';

test('restarts up to the intensity, then stops', () => {
  const h: number[] = [];
  const p = { maxRestarts: 2, withinMs: 1000 };
  assert.equal(onCrash(h, 0, p), 'restart');
  assert.equal(onCrash(h, 10, p), 'restart');
  assert.equal(onCrash(h, 20, p), 'stop');
});

test('crashes older than the window are forgotten', () => {
  const h: number[] = [];
  const p = { maxRestarts: 2, withinMs: 1000 };
  onCrash(h, 0, p);
  onCrash(h, 10, p);
  assert.equal(onCrash(h, 1500, p), 'restart');
  assert.equal(onCrash(h, 1600, p), 'restart');
  assert.equal(onCrash(h, 1700, p), 'stop');
});

test('zero restarts allowed stops at the first crash', () => {
  assert.equal(onCrash([], 0, { maxRestarts: 0, withinMs: 1000 }), 'stop');
});
