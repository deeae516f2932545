// The store lives on each node's main thread (memory, or MongoDB with
// MONGO_URL); room actors live in host threads. They reach the node's
// `chatRooms` through the host's port as the main-thread service below: each
// method is one call whose answer (or catalogue error) comes back the same way.
import type { PageRequest, Page } from './page.ts';
import type { ChatMessageRecord, ChatRoomRecord, ChatRooms, MessageQuery, NewChatMessage, Participant } from './chat-rooms.ts';
import { assertNever } from '../actors/wire.ts';

/** The name host threads call (ActorSystemOptions.services). */
export const CHAT_ROOMS_SERVICE = 'store.chat_rooms';

export type ChatRoomsCall =
  | { m: 'create'; room: Omit<ChatRoomRecord, 'last_offset'> }
  | { m: 'get'; roomId: string }
  | { m: 'addParticipant'; roomId: string; participant: Participant }
  | { m: 'listByUser'; userId: string; page: PageRequest }
  | { m: 'appendMessage'; roomId: string; message: NewChatMessage }
  | { m: 'listMessages'; roomId: string; query: MessageQuery }
  | { m: 'markRead'; roomId: string; userId: string; offset: number }
  | { m: 'countUnread'; roomId: string; userId: string };

/** Main side: runs one call against the node's store. */
export function serveChatRoomsCall(rooms: ChatRooms, payload: unknown): Promise<unknown> {
  const call = payload as ChatRoomsCall; // built by LinkedChatRooms below, in this code base's host threads
  switch (call.m) {
    case 'create':
      return rooms.create(call.room);
    case 'get':
      return rooms.get(call.roomId);
    case 'addParticipant':
      return rooms.addParticipant(call.roomId, call.participant);
    case 'listByUser':
      return rooms.listByUser(call.userId, call.page);
    case 'appendMessage':
      return rooms.appendMessage(call.roomId, call.message);
    case 'listMessages':
      return rooms.listMessages(call.roomId, call.query);
    case 'markRead':
      return rooms.markRead(call.roomId, call.userId, call.offset);
    case 'countUnread':
      return rooms.countUnread(call.roomId, call.userId);
    default:
      return assertNever(call);
  }
}

/** Host side: the ChatRooms interface over a main-thread call. */
export class LinkedChatRooms implements ChatRooms {
  constructor(private readonly callMain: (service: string, payload: unknown) => Promise<unknown>) {}

  private call<R>(c: ChatRoomsCall): Promise<R> {
    return this.callMain(CHAT_ROOMS_SERVICE, c) as Promise<R>;
  }

  create(room: Omit<ChatRoomRecord, 'last_offset'>): Promise<ChatRoomRecord> {
    return this.call({ m: 'create', room });
  }
  get(roomId: string): Promise<ChatRoomRecord | null> {
    return this.call({ m: 'get', roomId });
  }
  addParticipant(roomId: string, participant: Participant): Promise<ChatRoomRecord> {
    return this.call({ m: 'addParticipant', roomId, participant });
  }
  listByUser(userId: string, page: PageRequest = {}): Promise<Page<ChatRoomRecord>> {
    return this.call({ m: 'listByUser', userId, page });
  }
  appendMessage(roomId: string, message: NewChatMessage): Promise<{ message: ChatMessageRecord; duplicate: boolean }> {
    return this.call({ m: 'appendMessage', roomId, message });
  }
  listMessages(roomId: string, query: MessageQuery = {}): Promise<Page<ChatMessageRecord>> {
    return this.call({ m: 'listMessages', roomId, query });
  }
  markRead(roomId: string, userId: string, offset: number): Promise<ChatRoomRecord> {
    return this.call({ m: 'markRead', roomId, userId, offset });
  }
  countUnread(roomId: string, userId: string): Promise<number> {
    return this.call({ m: 'countUnread', roomId, userId });
  }
}
