import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HaatError } from '../errors.ts';
import { answerControl, type LocalNode } from './node-control.ts';

/** A node with two connections of user u1 and one of u2, answering as the gateway does. */
function twoUsers(): LocalNode & { closed: string[]; written: string[] } {
  const conns = [
    { session_id: 's1', user_id: 'u1' },
    { session_id: 's2', user_id: 'u1' },
    { session_id: 's3', user_id: 'u2' },
  ];
  const closed: string[] = [];
  const written: string[] = [];
  return {
    closed,
    written,
    usersAfter: (after, limit) => [...new Set(conns.map((c) => c.user_id))].filter((u) => after === null || u > after).sort().slice(0, limit),
    deliver: (sessions, frames) => {
      const open = sessions.filter((id) => conns.some((c) => c.session_id === id) && !closed.includes(id));
      for (const id of open) written.push(`${id}:${(frames.en ?? []).join('|')}`);
      return open.length;
    },
    disconnect: (t) => {
      const hit = conns.filter((c) => !closed.includes(c.session_id) && (c.user_id === t.user_id || c.session_id === t.session_id));
      closed.push(...hit.map((c) => c.session_id));
      return hit.length;
    },
    listConnections: (from, limit) => ({ items: conns.slice(from, from + limit), next: from + limit < conns.length ? from + limit : null }),
    stats: () => ({ node: 'n1', connections: conns.length - closed.length, channels: 0, messages_in_per_s: 0, messages_out_per_s: 0 }),
  };
}

test('each request is answered from the node`s own connections', async () => {
  const n = twoUsers();
  assert.deepEqual(await answerControl(n, { op: 'connections', from: 1, limit: 1 }), { items: [{ session_id: 's2', user_id: 'u1' }], next: 2 });
  assert.deepEqual(await answerControl(n, { op: 'disconnect', user_id: 'u1', reason: 'abuse' }), { disconnected: 2 });
  assert.deepEqual(n.closed, ['s1', 's2']);
  assert.equal(((await answerControl(n, { op: 'stats' })) as { connections: number }).connections, 1);
  assert.deepEqual(await answerControl(n, { op: 'deliver', sessions: ['s3', 's1', 'nope'], frames: { en: ['{"type":"notification"}'], bn: ['{}'] } }), { delivered: 1 });
  assert.deepEqual(n.written, ['s3:{"type":"notification"}']);
  assert.deepEqual(await answerControl(n, { op: 'users', after: 'u1', limit: 5 }), { users: ['u2'] });
});

test('anything else is bad_request and touches nothing', async () => {
  const n = twoUsers();
  const bad = (e: unknown): boolean => e instanceof HaatError && e.code === 'bad_request';
  for (const raw of [null, 'stats', { op: 'reboot' }, { op: 'connections', from: -1, limit: 5 }, { op: 'connections', from: 0, limit: 5000 }, { op: 'disconnect', user_id: 'u1' }, { op: 'stats', extra: 1 }, { op: 'deliver', sessions: ['s1'], frames: {} }]) {
    await assert.rejects(answerControl(n, raw), bad, JSON.stringify(raw));
  }
  assert.deepEqual(n.closed, []);
});
