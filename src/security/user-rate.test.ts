import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserRateLimits } from './user-rate.ts';

test('one bucket per user and rate class, shared by its connections, gone with the last', () => {
  const r = new UserRateLimits();
  const client = r.acquire('u', 'client', 20, 0);
  assert.equal(r.acquire('u', 'client', 20, 0), client, 'shared within a class');
  const server = r.acquire('u', 'server', 5000, 0);
  assert.notEqual(server, client, 'each class has its own');
  let passed = 0;
  while (server.take(0) === 0) passed++;
  assert.equal(passed, 20_000, 'the server class holds 4x its rate, whatever the client class holds');
  r.release('u', 'client');
  r.release('u', 'client');
  assert.notEqual(r.acquire('u', 'client', 20, 0), client, 'a new bucket after the last release');
});
