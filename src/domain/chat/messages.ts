// What a room actor (`room:{id}`) handles: one actor per chat room, the single
// writer of its room (PROTOCOL.md §10 Chat). The gateway validates and
// sanitizes at the edge; times are ms since the epoch inside, ISO at the edge.
import type { MessageQuery, ParticipantRole, RoomMetadata, RoomType } from '../../store/chat-rooms.ts';

/** Who asks: the token's user and roles. */
export interface Caller {
  user_id: string;
  roles: readonly string[];
}

export interface NewRoomSpec {
  type: RoomType;
  participants: { user_id: string; role?: ParticipantRole }[];
  metadata: RoomMetadata;
}

/** A chat message as sent (frame or REST), already sanitized and within the limit. */
export interface OutgoingChat {
  message: string;
  message_type: string;
  metadata: Record<string, unknown>;
  client_msg_id?: string;
  /** Added by the gateway (i18n/translate/chat-languages.ts); the message itself is never changed. */
  translations?: { en?: string; bn?: string };
  /** A Banglish message in Bengali script. */
  transliteration?: string;
}

export type RoomMessage =
  /** POST chat/rooms: answers the RoomView; `conflict` when the id exists. */
  | { type: 'create'; caller: Caller; spec: NewRoomSpec }
  /** POST chat/rooms/:id/join: answers the RoomView (support, admin, or a participant). */
  | { type: 'join'; caller: Caller }
  /** join_channel of `chat:{id}`: answers `{ ok: true }` for a participant, else `forbidden`. */
  | { type: 'may_join_channel'; user_id: string }
  /** send_message and POST messages: answers a SendReply once the message is stored. */
  | { type: 'send'; sender: string; chat: OutgoingChat }
  /** The `typing` frame: a low-priority event, not stored; answers `{ ok: true }`. */
  | { type: 'typing'; sender: string }
  /** PUT read: answers `{ ok: true, unread }`. */
  | { type: 'read'; user_id: string; offset: number }
  /** GET messages: answers `{ messages: MessageView[], next_cursor }`. */
  | { type: 'list_messages'; user_id: string; query: MessageQuery }
  /** GET chat/rooms, one room: answers the RoomView with the caller's `unread` (participants only). */
  | { type: 'view'; user_id: string };

/** The same body as the send_message reply (§2). */
export interface SendReply {
  ok: true;
  id: string;
  channel: string;
  offset: number;
}

export function roomAddress(id: string): string {
  return `room:${id}`;
}

export function roomChannel(id: string): string {
  return `chat:${id}`;
}
