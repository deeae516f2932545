// The room actor (PROTOCOL.md §10 Chat): one per chat room, the single writer
// of its room. It decides who may join the room's channel `chat:{id}` and
// send on it, and stores every message before it answers.
//
// Offsets. A message's offset is the offset of its event on the room's
// channel: the actor publishes (through the channel actor, or straight to the
// redis engine's history: either way the history numbers every event of the
// channel), then stores the message at that offset, then
// answers with it. So the REST listing, the `event` and the send_message
// reply agree, whatever else the channel carries (typing events and presence
// changes take channel offsets too: stored offsets have gaps, and unread
// counts and read positions work on offsets, not on positions in a list).
// A retry with the same client_msg_id gets the channel's first answer (its
// dedupe key is sender + client_msg_id) and the store's first message: it
// publishes and stores nothing twice, even when a crash fell between the
// publish and the store write. The event reaches subscribers just before it
// is stored; the sender is acknowledged only after.
// One case breaks the equality: a channel whose history was lost (a new
// epoch: the memory engine's host thread died, or an idle channel's history
// expired) numbers from 1 again. A new offset that an older message holds is
// then stored at the room's next offset instead (the reply keeps the event's).
//
// Persistence. The store lives on each node's main thread (LinkedChatRooms).
// With the memory store every node has its own: after a takeover the room
// actor on the new node finds no room there and writes it again from its
// persisted state (participants), but the history stays on the dead node. A
// cluster needs MONGO_URL for chat history to survive a takeover.
import { defineBehaviour, type ActorContext, type HandlerResult } from '../../actors/behaviour.ts';
import { assertNever } from '../../actors/wire.ts';
import { HaatError } from '../../errors.ts';
import type { RenderNotification } from '../../i18n/render.ts';
import type { ChatMessageRecord, ChatRoomRecord, ChatRooms, NewChatMessage } from '../../store/chat-rooms.ts';
import { userAddress } from '../user/messages.ts';
import { roomChannel, type Caller, type OutgoingChat, type RoomMessage, type SendReply } from './messages.ts';
import { chatNotification, isParticipant, languagesOf, joinDecision, messageDedupe, messageEventData, messageView, newRoom, othersThan, roomView, type RoomCore } from './rules.ts';
import type { EventSink } from '../channel/event-sink.ts';
import { actorEventSink } from '../channel/actor-event-sink.ts';

export interface RoomDeps {
  rooms: ChatRooms;
  render: RenderNotification;
  idleMs: number;
  /** How long the actor waits for the channel actor's answer to a publish (memory engine; the redis engine's command timeout bounds a direct append). */
  publishTimeoutMs: number;
  /** How the actor's events reach their channel (event-sink.ts); through the channel actors unless given. */
  events?: EventSink;
}

interface RoomState {
  /** undefined until created (an actor woken for an unknown room). */
  room: RoomCore | undefined;
}

type Result = HandlerResult<RoomState>;

const TYPING_EVENT = 'typing';

function notFound(ctx: ActorContext): Result['error'] {
  return { code: 'not_found', message: `no room ${ctx.id}` };
}

export function roomBehaviour(deps: RoomDeps) {
  const sink = deps.events ?? actorEventSink;
  const { rooms } = deps;

  /** The room's record in this node's store, written again from the actor's state when the store does not have it (memory store after a takeover). */
  async function recordOf(room: RoomCore): Promise<ChatRoomRecord> {
    const found = await rooms.get(room.id);
    if (found) return found;
    const participants = room.participants.map((p) => ({ ...p, last_read_offset: 0 }));
    return rooms.create({ id: room.id, type: room.type, metadata: room.metadata, created_at: room.created_at, participants });
  }

  /**
   * Each new participant's user actor learns of the room before the room is
   * answered, so that GET chat/rooms (served from the user actors, right on
   * any node) lists it at once; one that cannot be reached now is told later.
   */
  async function announceJoin(ctx: ActorContext, users: readonly string[]): Promise<void> {
    await Promise.all(
      users.map((u) =>
        ctx.ask(userAddress(u), { type: 'room_joined', room_id: ctx.id }, deps.publishTimeoutMs).catch(() => {
          ctx.send(userAddress(u), { type: 'room_joined', room_id: ctx.id });
        }),
      ),
    );
  }

  async function create(state: RoomState, caller: Caller, spec: Parameters<typeof newRoom>[1], ctx: ActorContext): Promise<Result> {
    if (state.room !== undefined) return { state, error: { code: 'conflict', message: `room ${ctx.id} already exists` } };
    const room = newRoom(ctx.id, spec, caller, ctx.now());
    const record = await rooms.create({ ...room, participants: room.participants.map((p) => ({ ...p, last_read_offset: 0 })) });
    await announceJoin(ctx, room.participants.map((p) => p.user_id));
    return { state: { room }, reply: roomView(record), persist: true };
  }

  async function join(state: RoomState, room: RoomCore, caller: Caller, ctx: ActorContext): Promise<Result> {
    const d = joinDecision(room, caller);
    switch (d.kind) {
      case 'forbidden':
        return { state, error: { code: 'forbidden', message: `only the room's participants, support and admin may join room ${ctx.id}` } };
      case 'already':
        return { state, reply: roomView(await recordOf(room)) };
      case 'add': {
        const p = { user_id: caller.user_id, role: d.role, joined_at: ctx.now() };
        await recordOf(room);
        const record = await rooms.addParticipant(room.id, { ...p, last_read_offset: 0 });
        await announceJoin(ctx, [p.user_id]);
        return { state: { ...state, room: { ...room, participants: [...room.participants, p] } }, reply: roomView(record), persist: true };
      }
      default:
        return assertNever(d);
    }
  }

  async function send(state: RoomState, room: RoomCore, sender: string, chat: OutgoingChat, ctx: ActorContext): Promise<Result> {
    const channel = roomChannel(room.id);
    const dedupe = messageDedupe(sender, chat.client_msg_id);
    // The channel numbers the event; its offset becomes the message's (see the top of this file).
    const published = await sink.publishAndWait(
      ctx,
      channel,
      { event_type: 'message', data_json: JSON.stringify(messageEventData(sender, chat)), priority: 'normal', ...(dedupe === undefined ? {} : { dedupe }) },
      deps.publishTimeoutMs,
    );
    const now = ctx.now();
    const message = { id: published.id, room_id: room.id, sender_id: sender, message: chat.message, message_type: chat.message_type, metadata: chat.metadata, ...languagesOf(chat), created_at: now, client_msg_id: chat.client_msg_id ?? null, offset: published.offset };
    const stored = await storeMessage(room, message);
    const m = stored.message;
    // A repeat answers the first reply; a publish whose store write was lost (a crash in between) is stored now.
    if (stored.duplicate) return { state, reply: { ok: true, id: m.id, channel, offset: m.offset } satisfies SendReply };
    for (const user of othersThan(room, sender)) {
      const notification = chatNotification(deps.render, { room_id: room.id, offset: published.offset, sender_id: sender, message: chat.message, ...languagesOf(chat), at: now, recipient: user });
      ctx.send(userAddress(user), { type: 'notify', only_if_offline: true, notifications: [notification] });
    }
    return { state, reply: { ok: true, id: m.id, channel, offset: published.offset } satisfies SendReply };
  }

  async function storeMessage(room: RoomCore, message: NewChatMessage): Promise<{ message: ChatMessageRecord; duplicate: boolean }> {
    try {
      return await rooms.appendMessage(room.id, message);
    } catch (err) {
      if (!(err instanceof HaatError)) throw err;
      switch (err.code) {
        case 'not_found':
          await recordOf(room);
          return rooms.appendMessage(room.id, message);
        case 'conflict': {
          // The channel numbers from 1 again (its history was lost): see the top of this file.
          const { offset: _taken, ...next } = message;
          return rooms.appendMessage(room.id, next);
        }
        default:
          throw err;
      }
    }
  }

  function typing(room: RoomCore, sender: string, ctx: ActorContext): void {
    // Low priority (held back on 2g/3g links), never stored: a hint that is stale in seconds.
    sink.publish(ctx, roomChannel(room.id), { event_type: TYPING_EVENT, data_json: JSON.stringify({ sender_id: sender }), priority: 'low' });
  }

  async function withRoom(state: RoomState, msg: Exclude<RoomMessage, { type: 'create' }>, room: RoomCore, ctx: ActorContext): Promise<Result> {
    switch (msg.type) {
      case 'join':
        return join(state, room, msg.caller, ctx);
      case 'may_join_channel':
        if (!isParticipant(room, msg.user_id)) return { state, error: { code: 'forbidden', message: `only the participants of room ${room.id} may join its channel` } };
        return { state, reply: { ok: true } };
      case 'send':
        if (!isParticipant(room, msg.sender)) return { state, error: { code: 'forbidden', message: `only the participants of room ${room.id} may send messages` } };
        return send(state, room, msg.sender, msg.chat, ctx);
      case 'typing':
        if (!isParticipant(room, msg.sender)) return { state, error: { code: 'forbidden', message: `only the participants of room ${room.id} may type in it` } };
        typing(room, msg.sender, ctx);
        return { state, reply: { ok: true } };
      case 'read': {
        if (!isParticipant(room, msg.user_id)) return { state, error: { code: 'forbidden', message: `only the participants of room ${room.id} have read positions` } };
        await recordOf(room);
        await rooms.markRead(room.id, msg.user_id, msg.offset);
        return { state, reply: { ok: true, unread: await rooms.countUnread(room.id, msg.user_id) } };
      }
      case 'view': {
        if (!isParticipant(room, msg.user_id)) return { state, error: { code: 'forbidden', message: `only the participants of room ${room.id} see it in their rooms` } };
        const record = await recordOf(room);
        return { state, reply: { ...roomView(record), unread: await rooms.countUnread(room.id, msg.user_id) } };
      }
      case 'list_messages': {
        if (!isParticipant(room, msg.user_id)) return { state, error: { code: 'forbidden', message: `only the participants of room ${room.id} may read its messages` } };
        await recordOf(room);
        const page = await rooms.listMessages(room.id, msg.query);
        return { state, reply: { messages: page.items.map(messageView), next_cursor: page.next_cursor } };
      }
      default:
        return assertNever(msg);
    }
  }

  return defineBehaviour<RoomState, RoomMessage>({
    kind: 'room',
    messageTypes: ['create', 'join', 'may_join_channel', 'send', 'typing', 'read', 'list_messages', 'view'],
    idleMs: deps.idleMs,
    async init(ctx) {
      const saved = (await ctx.loadPersisted()) as RoomState | undefined;
      if (saved?.room) return saved;
      const record = await rooms.get(ctx.id);
      // A room the store has and the actor never saved (actor state lost): the store's participants are the truth.
      const room = record ? { id: record.id, type: record.type, metadata: record.metadata, created_at: record.created_at, participants: record.participants.map(({ user_id, role, joined_at }) => ({ user_id, role, joined_at })) } : undefined;
      return { room };
    },
    async handle(state, msg, ctx) {
      if (msg.type === 'create') return create(state, msg.caller, msg.spec, ctx);
      if (state.room === undefined) {
        // A stranger may not learn whether a room exists from a channel join.
        if (msg.type === 'may_join_channel') return { state, error: { code: 'forbidden', message: `may not join ${roomChannel(ctx.id)}` } };
        return { state, error: notFound(ctx) };
      }
      return withRoom(state, msg, state.room, ctx);
    },
  });
}
