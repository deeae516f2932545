import type { Collection, Document } from 'mongodb';
import { HaatError } from '../../errors.ts';
import type { ChatMessageRecord, ChatRoomRecord, ChatRooms, MessageQuery, NewChatMessage, Participant } from '../chat-rooms.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import type { MongoLink } from './mongo-link.ts';
import { fromDoc, toDoc, type IdDoc } from './docs.ts';
import { isDuplicateKey } from './mongo-link.ts';

/**
 * Rooms in `chat_rooms`, messages in `chat_messages`, unique on (room_id,
 * offset) and on (room_id, idem): idem is sender + client_msg_id, or the
 * offset when there is none (so that no partial index is needed).
 */
export class MongoChatRooms implements ChatRooms {
  constructor(
    private readonly rooms: Collection<IdDoc>,
    private readonly messages: Collection<IdDoc>,
    private readonly link: MongoLink,
  ) {}

  private async room(roomId: string): Promise<ChatRoomRecord> {
    const r = await this.get(roomId);
    if (!r) throw new HaatError('not_found', `no room ${roomId}`);
    return r;
  }

  async create(room: Omit<ChatRoomRecord, 'last_offset'>): Promise<ChatRoomRecord> {
    const record: ChatRoomRecord = { ...room, last_offset: 0 };
    await this.link.run('chat_rooms.create', () => this.rooms.insertOne(toDoc(room.id, record)));
    return record;
  }

  async get(roomId: string): Promise<ChatRoomRecord | null> {
    return fromDoc<ChatRoomRecord>(await this.link.run('chat_rooms.get', () => this.rooms.findOne({ _id: roomId })));
  }

  async addParticipant(roomId: string, participant: Participant): Promise<ChatRoomRecord> {
    await this.link.run('chat_rooms.addParticipant', () =>
      this.rooms.updateOne({ _id: roomId, 'participants.user_id': { $ne: participant.user_id } }, { $push: { participants: participant } } as Document),
    );
    return this.room(roomId);
  }

  async listByUser(userId: string, page: PageRequest = {}): Promise<Page<ChatRoomRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor(page.cursor, 1)?.[0];
    const filter: Document = { 'participants.user_id': userId };
    if (after !== undefined) filter._id = { $gt: after };
    const docs = await this.link.run('chat_rooms.listByUser', () => this.rooms.find(filter).sort({ _id: 1 }).limit(limit + 1).toArray());
    return pageOf(docs.map((d) => fromDoc<ChatRoomRecord>(d)!), limit, (r) => [r.id]);
  }

  private async byClientId(roomId: string, idem: string): Promise<ChatMessageRecord | null> {
    return fromDoc<ChatMessageRecord>(await this.link.run('chat_messages.find', () => this.messages.findOne({ room_id: roomId, idem })));
  }

  async appendMessage(roomId: string, message: NewChatMessage): Promise<{ message: ChatMessageRecord; duplicate: boolean }> {
    const idem = message.client_msg_id === null ? null : `${message.sender_id}\n${message.client_msg_id}`;
    if (idem !== null) {
      const first = await this.byClientId(roomId, idem);
      if (first) return { message: stripIdem(first), duplicate: true };
    }
    const offset = message.offset === undefined ? await this.nextOffset(roomId) : await this.raiseLastOffset(roomId, message.offset);
    const record: ChatMessageRecord = { ...message, room_id: roomId, offset };
    try {
      await this.messages.insertOne(toDoc(message.id, { ...record, idem: idem ?? `#${record.offset}` }));
      this.link.reachable();
    } catch (err) {
      // The same client_msg_id raced in: the first one wins (this offset stays unused).
      if (idem !== null && isDuplicateKey(err)) {
        const first = await this.byClientId(roomId, idem);
        if (first) return { message: stripIdem(first), duplicate: true };
      }
      if (isDuplicateKey(err)) throw new HaatError('conflict', `room ${roomId} already has a message at offset ${offset}`, { cause: err });
      throw this.link.toHaatError(err, 'chat_messages.insert');
    }
    return { message: record, duplicate: false };
  }

  private async nextOffset(roomId: string): Promise<number> {
    const room = await this.link.run('chat_rooms.nextOffset', () => this.rooms.findOneAndUpdate({ _id: roomId }, { $inc: { last_offset: 1 } }, { returnDocument: 'after' }));
    if (!room) throw new HaatError('not_found', `no room ${roomId}`);
    return room.last_offset as number;
  }

  /** An explicit offset (the channel's): last_offset becomes the highest one; the unique (room_id, offset) index refuses a taken one. */
  private async raiseLastOffset(roomId: string, offset: number): Promise<number> {
    const r = await this.link.run('chat_rooms.raiseOffset', () => this.rooms.updateOne({ _id: roomId }, { $max: { last_offset: offset } }));
    if (r.matchedCount === 0) throw new HaatError('not_found', `no room ${roomId}`);
    return offset;
  }

  async listMessages(roomId: string, query: MessageQuery = {}): Promise<Page<ChatMessageRecord>> {
    await this.room(roomId);
    const limit = clampLimit(query.limit);
    const cursor = decodeCursor(query.cursor, 1)?.[0] as number | undefined;
    const oldestFirst = query.since !== undefined;
    const offset: Document = oldestFirst ? { $gt: Math.max(query.since!, cursor ?? query.since!) } : { $lt: Math.min(query.before ?? Infinity, cursor ?? Infinity) };
    const docs = await this.link.run('chat_messages.list', () =>
      this.messages
        .find({ room_id: roomId, offset })
        .sort({ offset: oldestFirst ? 1 : -1 })
        .limit(limit + 1)
        .toArray(),
    );
    return pageOf(docs.map((d) => stripIdem(fromDoc<ChatMessageRecord>(d)!)), limit, (m) => [m.offset]);
  }

  async markRead(roomId: string, userId: string, offset: number): Promise<ChatRoomRecord> {
    const room = await this.room(roomId);
    if (!room.participants.some((p) => p.user_id === userId)) throw new HaatError('not_found', `${userId} is not in room ${roomId}`);
    const target = Math.min(offset, room.last_offset);
    await this.link.run('chat_rooms.markRead', () => this.rooms.updateOne({ _id: roomId, 'participants.user_id': userId }, { $max: { 'participants.$.last_read_offset': target } }));
    return this.room(roomId);
  }

  async countUnread(roomId: string, userId: string): Promise<number> {
    const room = await this.room(roomId);
    const p = room.participants.find((x) => x.user_id === userId);
    if (!p) throw new HaatError('not_found', `${userId} is not in room ${roomId}`);
    return this.link.run('chat_messages.countUnread', () => this.messages.countDocuments({ room_id: roomId, offset: { $gt: p.last_read_offset }, sender_id: { $ne: userId } }));
  }
}

function stripIdem(m: ChatMessageRecord & { idem?: string }): ChatMessageRecord {
  const { idem: _idem, ...rest } = m;
  return rest;
}
