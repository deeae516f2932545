import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from './hub.ts';
import type { ConnState, Socket } from './connection.ts';
import type { NodeInterest } from './interest.ts';
import type { LeanDelivery } from './lean-delivery.ts';

/** A socket as the hub sees it: its state, with no channels and no lean mode (neither interest nor lean is reached). */
function socket(sessionId: string, userId: string | null): Socket {
  const state = { sessionId, principal: { userId }, channels: new Set<string>(), lean: undefined } as unknown as ConnState;
  return { getUserData: () => ({ state }) } as unknown as Socket;
}

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
