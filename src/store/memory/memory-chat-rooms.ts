import { HaatError } from '../../errors.ts';
import type { ChatMessageRecord, ChatRoomRecord, ChatRooms, MessageQuery, NewChatMessage, Participant } from '../chat-rooms.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import { partitionPoint } from '../../sorted-search.ts';

interface RoomState {
  room: ChatRoomRecord;
  messages: ChatMessageRecord[]; // ascending offsets, with gaps where the channel had other events
  byClientId: Map<string, ChatMessageRecord>; // `${sender_id}\n${client_msg_id}`
  /**
   * Each sender's message offsets, ascending: a participant's unread count is
   * the messages above its read position less its own there, two binary
   * searches (a walk over every unread message cost more on each call while
   * a participant read nothing).
   */
  offsetsBySender: Map<string, number[]>;
}

export class MemoryChatRooms implements ChatRooms {
  private readonly rooms = new Map<string, RoomState>();

  private state(roomId: string): RoomState {
    const s = this.rooms.get(roomId);
    if (!s) throw new HaatError('not_found', `no room ${roomId}`);
    return s;
  }

  async create(room: Omit<ChatRoomRecord, 'last_offset'>): Promise<ChatRoomRecord> {
    if (this.rooms.has(room.id)) throw new HaatError('conflict', `room ${room.id} exists`);
    const record: ChatRoomRecord = { ...structuredClone(room), last_offset: 0 };
    this.rooms.set(room.id, { room: record, messages: [], byClientId: new Map(), offsetsBySender: new Map() });
    return structuredClone(record);
  }

  async get(roomId: string): Promise<ChatRoomRecord | null> {
    const s = this.rooms.get(roomId);
    return s ? structuredClone(s.room) : null;
  }

  async addParticipant(roomId: string, participant: Participant): Promise<ChatRoomRecord> {
    const s = this.state(roomId);
    if (!s.room.participants.some((p) => p.user_id === participant.user_id)) s.room.participants.push({ ...participant });
    return structuredClone(s.room);
  }

  async listByUser(userId: string, page: PageRequest = {}): Promise<Page<ChatRoomRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor(page.cursor, 1)?.[0] as string | undefined;
    const fetched = [...this.rooms.values()]
      .map((s) => s.room)
      .filter((r) => r.participants.some((p) => p.user_id === userId) && (after === undefined || r.id > after))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit + 1)
      .map((r) => structuredClone(r));
    return pageOf(fetched, limit, (r) => [r.id]);
  }

  async appendMessage(roomId: string, message: NewChatMessage): Promise<{ message: ChatMessageRecord; duplicate: boolean }> {
    const s = this.state(roomId);
    const idem = message.client_msg_id === null ? null : `${message.sender_id}\n${message.client_msg_id}`;
    const first = idem === null ? undefined : s.byClientId.get(idem);
    if (first) return { message: structuredClone(first), duplicate: true };
    const offset = message.offset ?? s.room.last_offset + 1;
    const at = firstAbove(s.messages, offset - 1);
    if (s.messages[at]?.offset === offset) throw new HaatError('conflict', `room ${roomId} already has a message at offset ${offset}`);
    const record: ChatMessageRecord = { ...structuredClone(message), room_id: roomId, offset };
    s.messages.splice(at, 0, record);
    let own = s.offsetsBySender.get(record.sender_id);
    if (own === undefined) s.offsetsBySender.set(record.sender_id, (own = []));
    if (own.length === 0 || own[own.length - 1]! < offset) own.push(offset);
    else own.splice(partitionPoint(own, (o) => o < offset), 0, offset);
    s.room.last_offset = Math.max(s.room.last_offset, offset);
    if (idem !== null) s.byClientId.set(idem, record);
    return { message: structuredClone(record), duplicate: false };
  }

  async listMessages(roomId: string, query: MessageQuery = {}): Promise<Page<ChatMessageRecord>> {
    const s = this.state(roomId);
    const limit = clampLimit(query.limit);
    const cursor = decodeCursor(query.cursor, 1)?.[0] as number | undefined;
    let fetched: ChatMessageRecord[];
    if (query.since !== undefined) {
      const from = firstAbove(s.messages, Math.max(query.since, cursor ?? query.since));
      fetched = s.messages.slice(from, from + limit + 1);
    } else {
      const below = firstAbove(s.messages, Math.min(query.before ?? Infinity, cursor ?? Infinity) - 1);
      fetched = s.messages.slice(Math.max(0, below - (limit + 1)), below).reverse();
    }
    return pageOf(fetched.map((m) => structuredClone(m)), limit, (m) => [m.offset]);
  }

  async markRead(roomId: string, userId: string, offset: number): Promise<ChatRoomRecord> {
    const s = this.state(roomId);
    const p = s.room.participants.find((x) => x.user_id === userId);
    if (!p) throw new HaatError('not_found', `${userId} is not in room ${roomId}`);
    p.last_read_offset = Math.max(p.last_read_offset, Math.min(offset, s.room.last_offset));
    return structuredClone(s.room);
  }

  async countUnread(roomId: string, userId: string): Promise<number> {
    const s = this.state(roomId);
    const p = s.room.participants.find((x) => x.user_id === userId);
    if (!p) throw new HaatError('not_found', `${userId} is not in room ${roomId}`);
    const above = s.messages.length - firstAbove(s.messages, p.last_read_offset);
    const own = s.offsetsBySender.get(userId) ?? [];
    return above - (own.length - partitionPoint(own, (o) => o <= p.last_read_offset));
  }
}

/** Index of the first message whose offset is above `offset` (messages are in ascending offsets). */
function firstAbove(messages: readonly ChatMessageRecord[], offset: number): number {
  return partitionPoint(messages, (m) => m.offset <= offset);
}
