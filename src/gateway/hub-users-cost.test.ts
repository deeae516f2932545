import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from './hub.ts';
import { NO_SUBSCRIPTIONS, type ConnState, type Socket } from './connection.ts';
import type { NodeInterest } from './interest.ts';
import type { LeanDelivery } from './lean-delivery.ts';
import { yieldToTimers } from '../testkit/wait.ts';

function socket(sessionId: string, userId: string): Socket {
  const state = { sessionId, principal: { userId }, channels: NO_SUBSCRIPTIONS, lean: undefined } as unknown as ConnState;
  return { getUserData: () => ({ state }) } as unknown as Socket;
}

// GET online-users pages through a node's users by id. Each page collected
// and sorted every connected user after the cursor: paging through 50,000
// users 20 at a time (2,500 pages) took about 17 s here, where kept in order
// it takes about 0.7 s in all, most of it adding the connections.
test('paging through 50,000 connected users costs each page its own size, not a sort of every user', { timeout: 10_000 }, async () => {
  const hub = new Hub({} as NodeInterest, {} as LeanDelivery);
  const n = 100_000;
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    // Ids in no particular order, so that neither arrival nor a sort's best case helps.
    const id = `u${((i * 7919) % n).toString(36)}`;
    const ws = socket(`s${i}`, id);
    sockets.push(ws);
    hub.add(ws);
    if (i % 5000 === 0) await yieldToTimers();
  }
  // Half of them leave: they are not listed.
  for (let i = 0; i < n; i += 2) hub.remove(sockets[i]!);
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; ; page++) {
    const ids = hub.usersAfter(after, 21);
    seen.push(...ids.slice(0, 20));
    if (ids.length <= 20) break;
    after = ids[19]!;
    if (page % 50 === 0) await yieldToTimers();
  }
  const expected = sockets.filter((_, i) => i % 2 === 1).map((ws) => (ws.getUserData() as { state: ConnState }).state.principal.userId!);
  expected.sort();
  assert.deepEqual(seen, expected);
});
