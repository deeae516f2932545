// `chat_rooms` and their messages. The room actor is the single writer of a
// room. A message's offset is the offset of its event on the room's channel
// (src/domain/chat/actor.ts), so offsets may have gaps (typing events take
// channel offsets too); without an explicit offset the store numbers it
// last_offset + 1. client_msg_id makes a resend harmless.
import type { Page, PageRequest } from './page.ts';

export type RoomType = 'customer_support' | 'vendor' | 'group';
export type ParticipantRole = 'customer' | 'support' | 'vendor' | 'admin' | 'member';

export interface Participant {
  user_id: string;
  role: ParticipantRole;
  joined_at: number;
  /** Offset of the last message this participant read (0: none). */
  last_read_offset: number;
}

export interface RoomMetadata {
  order_id?: string;
  product_id?: string;
  priority?: 'low' | 'normal' | 'high' | 'urgent';
}

export interface ChatRoomRecord {
  id: string;
  type: RoomType;
  participants: Participant[];
  metadata: RoomMetadata;
  created_at: number;
  /** Offset of the newest message (0: none); messages are numbered from 1. */
  last_offset: number;
}

export interface ChatMessageRecord {
  id: string;
  room_id: string;
  offset: number;
  sender_id: string;
  message: string;
  message_type: string;
  metadata: Record<string, unknown>;
  created_at: number;
  client_msg_id: string | null;
  /** The message in the other language, when it was translated (README "Bengali everywhere"). */
  translations?: { en?: string; bn?: string };
  /** A Banglish message in Bengali script. */
  transliteration?: string;
}

/** A message to append: with `offset` (the channel's), or numbered last_offset + 1 by the store. */
export type NewChatMessage = Omit<ChatMessageRecord, 'offset'> & { offset?: number };

export interface MessageQuery extends PageRequest {
  /** Newest first, offsets below this one. */
  before?: number;
  /** Oldest first, offsets above this one. */
  since?: number;
}

export interface ChatRooms {
  /** Creates a room with last_offset 0; `conflict` when the id exists. */
  create(room: Omit<ChatRoomRecord, 'last_offset'>): Promise<ChatRoomRecord>;
  get(roomId: string): Promise<ChatRoomRecord | null>;
  /** Adds a participant (one already in is left as is); `not_found` for an unknown room. */
  addParticipant(roomId: string, participant: Participant): Promise<ChatRoomRecord>;
  /** Rooms the user takes part in, by room id. */
  listByUser(userId: string, page?: PageRequest): Promise<Page<ChatRoomRecord>>;
  /**
   * Appends at `message.offset` when given (`conflict` when another message
   * holds it; last_offset becomes the highest offset), else at last_offset + 1.
   * A repeated (sender_id, client_msg_id) in the room answers the first
   * message with `duplicate: true` and appends nothing. `not_found` for an
   * unknown room.
   */
  appendMessage(roomId: string, message: NewChatMessage): Promise<{ message: ChatMessageRecord; duplicate: boolean }>;
  /** Newest first (default, or with `before`), or oldest first with `since`. */
  listMessages(roomId: string, query?: MessageQuery): Promise<Page<ChatMessageRecord>>;
  /** Moves a participant's last_read_offset forward (never back, never past last_offset); `not_found` when not a participant. */
  markRead(roomId: string, userId: string, offset: number): Promise<ChatRoomRecord>;
  /** Others' messages after the participant's last_read_offset. */
  countUnread(roomId: string, userId: string): Promise<number>;
}
