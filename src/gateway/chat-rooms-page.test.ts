import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountChatRest } from './chat-rest.ts';
import type { ChatRestDeps } from './chat-rest.ts';
import { userBehaviour } from '../domain/user/actor.ts';
import type { UserMessage } from '../domain/user/messages.ts';
import { fakeActor } from '../testkit/fake-context.ts';
import { yieldToTimers } from '../testkit/wait.ts';

const T0 = Date.UTC(2026, 11, 6, 15, 0);
const QUIET_OFF = { enabled: false, afterMinutes: 20, jumuahMinutes: 60 };

type Work = (call: { principal: unknown; query: URLSearchParams; params: string[] }) => Promise<{ status: number; body: { rooms: { id: string }[]; next_cursor: string | null } }>;

// GET chat/rooms pages through the caller's rooms by id. Each page asked the
// user actor for every room of the user (a copy of the whole list, which
// crosses threads) and sorted all of it: paging through 40,000 rooms 10 at a
// time (4,000 pages) took about 20 s. The user actor now answers the page
// after the cursor from its sorted rooms: about 0.65 s in all, most of it
// joining the rooms.
test('a page of GET chat/rooms costs its own size, not a copy and a sort of every room of the user', { timeout: 8000 }, async () => {
  const user = await fakeActor(userBehaviour({ offlineGraceMs: 1000, limits: { queueMax: 6, historyMax: 3 }, idleMs: 1000, prayerQuiet: QUIET_OFF }), 'user:agent', T0);
  const n = 40_000;
  const room = (i: number): string => `r_${((i * 7919) % n).toString(36).padStart(4, '0')}`;
  for (let i = 0; i < n; i++) {
    await user.handle({ type: 'room_joined', room_id: room(i) } satisfies UserMessage);
    if (i % 2000 === 0) await yieldToTimers();
  }
  let listRooms: Work | undefined;
  const actors = {
    ask: async (address: string, msg: { type: string; user_id?: string }) => {
      if (address === 'user:agent') {
        // The answer crosses threads: a copy, as the runtime makes.
        return structuredClone(await user.handle(msg as UserMessage));
      }
      assert.equal(msg.type, 'view');
      return { id: address.slice('room:'.length) };
    },
  };
  const app = { get: (path: string, h: Work) => void (path === '/api/chat/rooms' && (listRooms = h)), post: () => undefined, put: () => undefined };
  mountChatRest({ app, actors, askTimeoutMs: 1000, prefix: '/api', route: (_need: unknown, work: Work) => work } as unknown as ChatRestDeps);
  const list: Work | undefined = listRooms;
  if (list === undefined) throw new Error('GET chat/rooms is not mounted');
  const principal = { userId: 'agent', roles: new Set(['support']) };
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const query = new URLSearchParams({ limit: '10', ...(cursor === null ? {} : { cursor }) });
    const r: Awaited<ReturnType<Work>> = await list({ principal, query, params: [] });
    assert.equal(r.status, 200);
    seen.push(...r.body.rooms.map((x) => x.id));
    cursor = r.body.next_cursor;
    if (cursor === null) break;
    if (page % 20 === 0) await yieldToTimers();
  }
  assert.deepEqual(seen, Array.from({ length: n }, (_, i) => room(i)).sort());
});
