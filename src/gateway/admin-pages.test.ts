import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../testkit/node.ts';
import { NO_SUBSCRIPTIONS, type ConnState, type Socket } from './connection.ts';
import type { Hub } from './hub.ts';
import { yieldToTimers } from '../testkit/wait.ts';

let node: TestNode;
const N = 50_000;
const socks: Socket[] = [];
before(async () => {
  node = await startTestNode();
  for (let i = 0; i < N; i++) socks.push(socket(`s_${i}`, `u${i}`));
  for (const ws of socks) hubOf(node).add(ws);
});
after(async () => {
  for (const ws of socks) hubOf(node).remove(ws);
  await node.stop();
});

/** A connection as the hub and the listing see it (never written to). */
function socket(sessionId: string, userId: string): Socket {
  const state = { sessionId, principal: { userId, roles: new Set(['customer']) }, ip: '10.0.0.1', lang: 'en', net: undefined, carrier: undefined, lean: undefined, link: undefined, channels: NO_SUBSCRIPTIONS, connectedAt: 0, closed: false } as unknown as ConnState;
  // Never written to, never buffering, and heard from long after any test ends.
  const s = state as unknown as { heardAt: number; heartbeatMs: number; pingsUnanswered: number };
  s.heardAt = Number.MAX_SAFE_INTEGER / 2;
  s.heartbeatMs = 1e9;
  s.pingsUnanswered = 0;
  return { getUserData: () => ({ state }), getBufferedAmount: () => 0 } as unknown as Socket;
}

const hubOf = (n: TestNode): Hub => (n.gateway as unknown as { hub: Hub }).hub;

// Each page of GET admin/connections copied every open connection to an array
// to slice one page out of it: reading 50,000 connections 10 at a time (5,000
// pages) took 1.6 s of the main thread here, growing with the square of the
// connections, so the three readings below about 4.8 s. By position in the
// open order each reading takes about 70 ms; the bound, 2 s, leaves room for a
// loaded machine and is well under the copies.
test('GET admin/connections pages through 50,000 connections in about one pass, three times over', { timeout: 2000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const seen: string[] = [];
    let from: number | null = 0;
    let pages = 0;
    while (from !== null) {
      const page = node.gateway.listConnections(from, 10);
      for (const item of page.items) seen.push((item as { session_id: string }).session_id);
      from = page.next;
      if (++pages % 100 === 0) await yieldToTimers();
    }
    assert.equal(seen.length, N);
    assert.deepEqual(seen, socks.map((_, i) => `s_${i}`));
  }
});

test('a connections page starts where the last one ended, though connections before and within it closed', () => {
  const hub = hubOf(node);
  const first = node.gateway.listConnections(0, 3);
  assert.deepEqual(first.items.map((i) => (i as { session_id: string }).session_id), ['s_0', 's_1', 's_2']);
  assert.notEqual(first.next, null);
  // s_1 and s_3 close: the next page neither repeats s_2 nor skips s_4.
  hub.remove(socks[1]!);
  hub.remove(socks[3]!);
  const second = node.gateway.listConnections(first.next!, 2);
  assert.deepEqual(second.items.map((i) => (i as { session_id: string }).session_id), ['s_4', 's_5']);
  hub.add(socks[1]!);
  hub.add(socks[3]!);
  // Back at the end, in the order they opened again.
  const all = node.gateway.listConnections(0, 500);
  assert.equal(all.items.length, 500);
  let from: number | null = 0;
  const order: string[] = [];
  while (from !== null) {
    const p = node.gateway.listConnections(from, 500);
    for (const i of p.items) order.push((i as { session_id: string }).session_id);
    from = p.next;
  }
  assert.deepEqual(order.slice(-2), ['s_1', 's_3']);
  assert.equal(order.length, N);
});
