import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryChatRooms } from './memory-chat-rooms.ts';
import { yieldToTimers } from '../../testkit/wait.ts';

const participant = (user_id: string) => ({ user_id, role: 'member' as const, joined_at: 0, last_read_offset: 0 });
const message = (sender_id: string, offset?: number) => ({
  id: `m${offset ?? ''}${Math.random()}`,
  room_id: 'r1',
  sender_id,
  message: 'hi',
  message_type: 'text',
  metadata: {},
  created_at: 0,
  client_msg_id: null,
  ...(offset === undefined ? {} : { offset }),
});

// A room's unread count (PUT read, and GET chat/rooms for each room of the
// user) walked every message after the reader's position: a participant who
// reads nothing while the room fills costs more on each call. 100,000
// messages, each followed by a count for the one who never reads, took about
// 22 s of the main thread (where the memory store lives; 14 s for 80,000);
// counted from each sender's offsets it takes about 1.2 s, mostly appending
// the messages.
test('the unread count costs a binary search, not a walk over every unread message', { timeout: 12_000 }, async () => {
  const rooms = new MemoryChatRooms();
  await rooms.create({ id: 'r1', type: 'group', participants: [participant('a'), participant('b'), participant('c')], metadata: {}, created_at: 0 });
  const n = 100_000;
  for (let i = 1; i <= n; i++) {
    // a and b talk, c only reads; offsets leave gaps (typing events take channel offsets too).
    await rooms.appendMessage('r1', message(i % 3 === 0 ? 'b' : 'a', 2 * i));
    assert.equal(await rooms.countUnread('r1', 'c'), i);
    if (i % 2000 === 0) await yieldToTimers();
  }
  const bMessages = Math.floor(n / 3);
  assert.equal(await rooms.countUnread('r1', 'b'), n - bMessages, "b's own messages are not unread to b");
  await rooms.markRead('r1', 'b', n); // the messages at offsets 2..n: n/2 of them
  const readByB = n / 2;
  const ownReadByB = Math.floor(readByB / 3);
  assert.equal(await rooms.countUnread('r1', 'b'), n - bMessages - (readByB - ownReadByB));
  await rooms.markRead('r1', 'b', 2 * n);
  assert.equal(await rooms.countUnread('r1', 'b'), 0);
  // A message stored below others (a channel that numbers from 1 again) counts too.
  await rooms.appendMessage('r1', message('a', 1));
  assert.equal(await rooms.countUnread('r1', 'c'), n + 1);
  assert.equal(await rooms.countUnread('r1', 'b'), 0, 'below what b read');
  await rooms.appendMessage('r1', message('c'));
  assert.equal(await rooms.countUnread('r1', 'c'), n + 1, "c's own message is not unread to c");
  assert.equal(await rooms.countUnread('r1', 'a'), n + 2 - Math.ceil((2 * n) / 3) - 1);
});
