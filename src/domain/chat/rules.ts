// Pure rules of a chat room (PROTOCOL.md §10 Chat): who takes part with which
// role, who may join, what a message may be, how rooms and messages look at
// the edge, and the chat_message notification. No I/O, no clock of their own.
import { HaatError } from '../../errors.ts';
import { textError } from '../../i18n/realtime-messages.ts';
import { toDhakaIso } from '../../time/clock.ts';
import type { RenderNotification } from '../../i18n/render.ts';
import type { ChatMessageRecord, ChatRoomRecord, ParticipantRole, RoomMetadata, RoomType } from '../../store/chat-rooms.ts';
import type { NewNotification } from '../user/messages.ts';
import { roomChannel, type Caller, type NewRoomSpec, type OutgoingChat } from './messages.ts';

export const MAX_MESSAGE_CHARS = 4000;
export const MAX_PARTICIPANTS = 100;
/** A chat_message notification to an offline participant is dropped after this long. */
export const CHAT_NOTIFICATION_TTL_MS = 24 * 60 * 60 * 1000;
const PREVIEW_CHARS = 80;

/** What the room actor keeps (and persists): the room without read positions (those are the store's). */
export interface RoomCore {
  id: string;
  type: RoomType;
  metadata: RoomMetadata;
  created_at: number;
  participants: { user_id: string; role: ParticipantRole; joined_at: number }[];
}

/** A caller's role in a room they create or join, from the token's roles. */
export function roleOf(roles: readonly string[]): ParticipantRole {
  if (roles.includes('support')) return 'support';
  if (roles.includes('admin')) return 'admin';
  if (roles.includes('seller')) return 'vendor';
  return 'customer';
}

/** The new room: the caller first, then the named participants once each (a role given wins, else `member`). */
export function newRoom(id: string, spec: NewRoomSpec, caller: Caller, now: number): RoomCore {
  const participants: RoomCore['participants'] = [];
  const seen = new Set<string>();
  const own = spec.participants.find((p) => p.user_id === caller.user_id);
  participants.push({ user_id: caller.user_id, role: own?.role ?? roleOf(caller.roles), joined_at: now });
  seen.add(caller.user_id);
  for (const p of spec.participants) {
    if (seen.has(p.user_id)) continue;
    seen.add(p.user_id);
    participants.push({ user_id: p.user_id, role: p.role ?? 'member', joined_at: now });
  }
  if (participants.length > MAX_PARTICIPANTS) throw new HaatError('bad_request', `participants: at most ${MAX_PARTICIPANTS} in a room`);
  return { id, type: spec.type, metadata: spec.metadata, created_at: now, participants };
}

export function isParticipant(room: RoomCore, userId: string): boolean {
  return room.participants.some((p) => p.user_id === userId);
}

export type JoinDecision = { kind: 'already' } | { kind: 'add'; role: ParticipantRole } | { kind: 'forbidden' };

/** POST join (§10): support and admin join any room; a user named in the room is in it already. */
export function joinDecision(room: RoomCore, caller: Caller): JoinDecision {
  if (isParticipant(room, caller.user_id)) return { kind: 'already' };
  if (caller.roles.includes('support')) return { kind: 'add', role: 'support' };
  if (caller.roles.includes('admin')) return { kind: 'add', role: 'admin' };
  return { kind: 'forbidden' };
}

/** A message once sanitized: not empty, at most 4,000 characters (code points). */
/** `chars`: the characters the sender wrote (what the limit counts), when the text was escaped since. */
export function checkMessageText(text: string, chars: number = [...text].length): HaatError | undefined {
  if (text.length === 0) return textError('bad_request', 'error.bad_request.message_empty', {});
  if (chars > MAX_MESSAGE_CHARS) return textError('bad_request', 'error.bad_request.message_too_long', { max: MAX_MESSAGE_CHARS });
  return undefined;
}

export function roomView(r: ChatRoomRecord) {
  return {
    id: r.id,
    type: r.type,
    channel: roomChannel(r.id),
    participants: r.participants.map((p) => ({ user_id: p.user_id, role: p.role, joined_at: toDhakaIso(p.joined_at), last_read_offset: p.last_read_offset })),
    metadata: r.metadata,
    created_at: toDhakaIso(r.created_at),
  };
}

/** `translations` and `transliteration` of a message, only those it has. */
export function languagesOf(m: Pick<OutgoingChat, 'translations' | 'transliteration'>): Pick<OutgoingChat, 'translations' | 'transliteration'> {
  const out: Pick<OutgoingChat, 'translations' | 'transliteration'> = {};
  if (m.translations !== undefined) out.translations = m.translations;
  if (m.transliteration !== undefined) out.transliteration = m.transliteration;
  return out;
}

export function messageView(m: ChatMessageRecord) {
  return { id: m.id, offset: m.offset, sender_id: m.sender_id, message: m.message, message_type: m.message_type, metadata: m.metadata, ...languagesOf(m), created_at: toDhakaIso(m.created_at) };
}

/** The `data` of the message event (§2), with the message's translations when it has any. */
export function messageEventData(sender: string, chat: OutgoingChat) {
  return { message: chat.message, message_type: chat.message_type, metadata: chat.metadata, sender_id: sender, client_msg_id: chat.client_msg_id ?? null, ...languagesOf(chat) };
}

/** The channel dedupe key of a message: per sender and client_msg_id, as every publish on a channel (gateway/publish.ts). */
export function messageDedupe(sender: string, clientMsgId: string | undefined): string | undefined {
  return clientMsgId === undefined ? undefined : `${sender}|${clientMsgId}`;
}

/** The first 80 characters, counted in code points (an emoji is never cut in half). */
export function previewOf(text: string): string {
  const chars = [...text];
  return chars.length <= PREVIEW_CHARS ? text : chars.slice(0, PREVIEW_CHARS).join('');
}

/**
 * The chat_message notification (§5) for one other participant; its id is
 * unique per room, offset and recipient (notification ids are unique in the
 * store: one id for every recipient made all but the first store write fail).
 */
export function chatNotification(
  render: RenderNotification,
  m: { room_id: string; offset: number; sender_id: string; message: string; at: number; recipient: string } & Pick<OutgoingChat, 'translations' | 'transliteration'>,
): NewNotification {
  // Each language previews the message as its reader can read it best.
  const preview = { en: previewOf(m.translations?.en ?? m.message), bn: previewOf(m.transliteration ?? m.translations?.bn ?? m.message) };
  const params = { sender_name: m.sender_id, preview };
  const en = render('chat_message', 'en', params);
  const bn = render('chat_message', 'bn', params);
  return {
    id: `chat_${m.room_id}_${m.offset}_${m.recipient}`,
    notification_type: 'chat_message',
    title: { en: en.title, bn: bn.title },
    message: { en: en.message, bn: bn.message },
    data: { room_id: m.room_id, offset: m.offset, sender_id: m.sender_id },
    priority: 'normal',
    created_at: m.at,
    expires_at: m.at + CHAT_NOTIFICATION_TTL_MS,
  };
}

/** Everyone in the room but `userId`. */
export function othersThan(room: RoomCore, userId: string): string[] {
  return room.participants.filter((p) => p.user_id !== userId).map((p) => p.user_id);
}
