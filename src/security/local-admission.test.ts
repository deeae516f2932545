import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalAdmission } from './local-admission.ts';

test('per-user and per-IP limits; a refusal counts nothing; release frees one slot', () => {
  const a = new LocalAdmission({ maxConnectionsPerUser: 2, maxConnectionsPerIp: 3 });
  assert.equal(a.admitNow('u1', '10.0.0.1'), 'admitted');
  assert.equal(a.admitNow('u1', '10.0.0.1'), 'admitted');
  assert.equal(a.admitNow('u1', '10.0.0.1'), 'user_limit');
  assert.equal(a.admitNow(null, '10.0.0.1'), 'admitted');
  assert.equal(a.admitNow('u2', '10.0.0.1'), 'ip_limit', 'the refused u1 did not count against the address');
  assert.equal(a.countOf('u2'), 0, 'nor does the refused u2 count');
  a.release('u1', '10.0.0.1');
  assert.equal(a.admitNow('u2', '10.0.0.1'), 'admitted');
  assert.equal(a.admitNow('u2', '10.0.0.2'), 'admitted');
  assert.equal(a.countOf('u2'), 2);
});

test('loopback is exempt from the IP limit, not from the user limit', async () => {
  const a = new LocalAdmission({ maxConnectionsPerUser: 1, maxConnectionsPerIp: 1 });
  for (const ip of ['127.0.0.1', '127.0.0.1', '::1', '0000:0000:0000:0000:0000:0000:0000:0001']) assert.equal(await a.admit(null, ip), 'admitted');
  assert.equal(await a.admit('u', '127.0.0.1'), 'admitted');
  assert.equal(await a.admit('u', '127.0.0.1'), 'user_limit');
});
