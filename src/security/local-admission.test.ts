import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalAdmission } from './local-admission.ts';

/** Stands in for the gateway's hub: the open connections per user. */
function openCounts(): { open: Map<string, number>; of: (u: string) => number } {
  const open = new Map<string, number>();
  return { open, of: (u) => open.get(u) ?? 0 };
}

test('per-user and per-IP limits; a refusal counts nothing; release frees one slot', () => {
  const hub = openCounts();
  const a = new LocalAdmission({ maxConnectionsPerUser: 2, maxConnectionsPerIp: 3 }, hub.of);
  assert.equal(a.admitNow('u1', '10.0.0.1'), 'admitted');
  assert.equal(a.admitNow('u1', '10.0.0.1'), 'admitted');
  assert.equal(a.admitNow('u1', '10.0.0.1'), 'user_limit');
  assert.equal(a.admitNow(null, '10.0.0.1'), 'admitted');
  assert.equal(a.admitNow('u2', '10.0.0.1'), 'ip_limit', 'the refused u1 did not count against the address');
  assert.equal(a.countOf('u2'), 0, 'nor does the refused u2 count');
  a.release('u1', '10.0.0.1', false);
  assert.equal(a.admitNow('u2', '10.0.0.1'), 'admitted');
  assert.equal(a.admitNow('u2', '10.0.0.2'), 'admitted');
  assert.equal(a.countOf('u2'), 2);
});

test('an opened connection is counted by the hub, not twice; its close frees the user and the address', () => {
  const hub = openCounts();
  const a = new LocalAdmission({ maxConnectionsPerUser: 2, maxConnectionsPerIp: 2 }, hub.of);
  assert.equal(a.admitNow('u1', '10.0.0.1'), 'admitted');
  hub.open.set('u1', 1);
  a.opened('u1');
  assert.equal(a.countOf('u1'), 1, 'the hub has it; the admission no longer counts it as upgrading');
  assert.equal(a.admitNow('u1', '10.0.0.1'), 'admitted', 'one open and one upgrading: at the limit of 2');
  assert.equal(a.admitNow('u1', '10.0.0.3'), 'user_limit');
  assert.equal(a.admitNow(null, '10.0.0.1'), 'ip_limit', 'both count against the address');
  // The first closes (the hub drops it first), the second's upgrade is abandoned.
  hub.open.delete('u1');
  a.release('u1', '10.0.0.1', true);
  a.release('u1', '10.0.0.1', false);
  assert.equal(a.countOf('u1'), 0);
  assert.equal(a.admitNow('u1', '10.0.0.1'), 'admitted');
  assert.equal(a.admitNow('u3', '10.0.0.1'), 'admitted');
});

test('loopback is exempt from the IP limit, not from the user limit', async () => {
  const a = new LocalAdmission({ maxConnectionsPerUser: 1, maxConnectionsPerIp: 1 }, openCounts().of);
  for (const ip of ['127.0.0.1', '127.0.0.1', '::1', '0000:0000:0000:0000:0000:0000:0000:0001']) assert.equal(await a.admit(null, ip), 'admitted');
  assert.equal(await a.admit('u', '127.0.0.1'), 'admitted');
  assert.equal(await a.admit('u', '127.0.0.1'), 'user_limit');
});
