import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from './hub.ts';
import { NO_SUBSCRIPTIONS, stateOf, type ConnState, type Socket } from './connection.ts';
import type { NodeInterest } from './interest.ts';
import type { LeanDelivery } from './lean-delivery.ts';

/** A socket as the hub sees it: its state, with no channels and no lean mode (neither interest nor lean is reached). */
function socket(sessionId: string, userId: string | null): Socket {
  const state = { sessionId, principal: { userId }, channels: NO_SUBSCRIPTIONS, lean: undefined } as unknown as ConnState;
  const topics = new Set<string>();
  return { getUserData: () => ({ state }), subscribe: (t: string) => topics.add(t), unsubscribe: (t: string) => topics.delete(t) } as unknown as Socket;
}

test('a connection shares the empty subscriptions until its first, then has its own; the shared one stays empty', () => {
  const watched: string[] = [];
  const hub = new Hub({ watch: (c: string) => watched.push(c), unwatch: (c: string) => watched.push(`-${c}`) } as unknown as NodeInterest, {} as LeanDelivery);
  const [a, b] = [socket('s1', 'u1'), socket('s2', null)];
  hub.add(a);
  hub.add(b);
  assert.equal(stateOf(a).channels, NO_SUBSCRIPTIONS);
  assert.equal(hub.addSub(a, 'product:p1'), true);
  assert.notEqual(stateOf(a).channels, NO_SUBSCRIPTIONS);
  assert.deepEqual([...stateOf(a).channels], ['product:p1']);
  assert.equal(NO_SUBSCRIPTIONS.size, 0);
  assert.equal(stateOf(b).channels.size, 0, 'the other connection has none');
  assert.equal(hub.removeSub(b, 'product:p1'), false, 'b never had it');
  assert.equal(hub.addSub(b, 'product:p1'), false, 'second local subscriber');
  assert.equal(hub.removeSub(a, 'product:p1'), false);
  assert.equal(stateOf(a).channels.size, 0);
  hub.remove(b);
  assert.equal(stateOf(b).channels, NO_SUBSCRIPTIONS, 'a closed connection lets its set go');
  assert.equal(NO_SUBSCRIPTIONS.size, 0);
  assert.deepEqual(watched, ['product:p1', '-product:p1']);
});

test("a user's connections: one held alone, several in a set, back to one, then none", () => {
  const hub = new Hub({} as NodeInterest, {} as LeanDelivery);
  const [a, b, c] = [socket('s1', 'u1'), socket('s2', 'u1'), socket('s3', 'u1')];
  const guest = socket('s4', null);
  hub.add(a);
  hub.add(guest);
  assert.equal(hub.countOf('u1'), 1);
  assert.deepEqual(hub.ofUser('u1'), [a]);
  hub.add(b);
  hub.add(c);
  assert.equal(hub.countOf('u1'), 3);
  assert.deepEqual(new Set(hub.ofUser('u1')), new Set([a, b, c]));
  hub.remove(a);
  hub.remove(c);
  assert.equal(hub.countOf('u1'), 1);
  assert.deepEqual(hub.ofUser('u1'), [b]);
  assert.deepEqual(hub.usersAfter(null, 10), ['u1']);
  hub.remove(b);
  hub.remove(b); // twice: nothing more happens
  assert.equal(hub.countOf('u1'), 0);
  assert.deepEqual(hub.ofUser('u1'), []);
  assert.deepEqual(hub.usersAfter(null, 10), []);
  assert.equal(hub.session('s4'), guest);
  assert.equal(hub.sockets.size, 1);
});
