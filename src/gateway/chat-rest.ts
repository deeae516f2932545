// Chat over REST (PROTOCOL.md §10 Chat). Writes and a room's messages go
// through the room actor, which checks participation; the caller's room list
// comes from the caller's user actor (the rooms it was told of), each room's
// view and unread count from its room actor: right on any node of a cluster.
import { userAddress } from '../domain/user/messages.ts';
import { nanoid } from 'nanoid';
import { z } from 'zod';
import { HaatError } from '../errors.ts';
import { textError } from '../i18n/realtime-messages.ts';
import type { ChatLanguages } from '../i18n/translate/chat-languages.ts';
import type { MessageQuery } from '../store/chat-rooms.ts';
import { decodeCursor } from '../store/page.ts';
import { roomAddress, type Caller, type OutgoingChat, type RoomMessage } from '../domain/chat/messages.ts';
import { MAX_MESSAGE_CHARS, MAX_PARTICIPANTS } from '../domain/chat/rules.ts';
import type { Principal } from './principal.ts';
import { jsonObject, resourceId } from './frames.ts';
import { chatInput } from './chat-input.ts';
import { parseBody, type RouteModuleDeps } from './rest.ts';

export type ChatRestDeps = RouteModuleDeps & {
  chatLanguages?: ChatLanguages | undefined;
  /** The spam rules (README "Spam and abuse"): throws `spam`. */
  spam?: ((who: { user_id: string; session_id: null; ip: string }, roomId: string, chat: OutgoingChat) => void) | undefined;
};

const role = z.enum(['customer', 'support', 'vendor', 'admin', 'member']);

// Strict like every REST body (README "Protocol notes"): an unknown member is bad_request, not dropped without a word.
export const roomBody = z.strictObject({
  type: z.enum(['customer_support', 'vendor', 'group']),
  participants: z.array(z.strictObject({ user_id: resourceId, role: role.optional() })).max(MAX_PARTICIPANTS),
  // The room's metadata is the seed's three members (the store keeps those): another member is refused, not silently dropped.
  metadata: z.strictObject({ order_id: resourceId.optional(), product_id: resourceId.optional(), priority: z.enum(['low', 'normal', 'high', 'urgent']).optional() }).optional(),
});

export const messageBody = z.strictObject({
  message: z.string().min(1).max(MAX_MESSAGE_CHARS * 2), // counted in characters once sanitized (chatInput)
  message_type: z.string().min(1).max(32).optional(),
  metadata: jsonObject.optional(),
  client_msg_id: z.string().min(1).max(128).optional(),
});

export const readBody = z.strictObject({ offset: z.number().int().min(0) });

/** Chat is for signed-in users only. */
function callerOf(p: Principal): Caller {
  if (p.userId === null) throw textError('unauthorized', 'error.unauthorized.bearer_required', {});
  return { user_id: p.userId, roles: [...p.roles] };
}

function roomIdOf(params: string[]): string {
  const id = params[0] ?? '';
  if (!resourceId.safeParse(id).success) throw new HaatError('bad_request', 'room_id must match [A-Za-z0-9_.-]{1,128}');
  return id;
}

/** A non-negative integer query parameter, or undefined when absent. */
function offsetParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new HaatError('bad_request', `${name} must be a message offset (an integer >= 0)`);
  return n;
}

function limitParam(query: URLSearchParams): number | undefined {
  const raw = query.get('limit');
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new HaatError('bad_request', 'limit must be an integer from 1 to 500');
  return n;
}

function messageQuery(query: URLSearchParams): MessageQuery {
  const before = offsetParam(query, 'before');
  const since = offsetParam(query, 'since');
  if (before !== undefined && since !== undefined) throw new HaatError('bad_request', 'before: give `before` (newest first) or `since` (oldest first), not both');
  const q: MessageQuery = {};
  const limit = limitParam(query);
  if (limit !== undefined) q.limit = limit;
  const cursor = query.get('cursor');
  // Checked here: the store's decodeCursor would throw inside the room actor (a crash and a 500, found by fuzzing).
  if (typeof decodeCursor(cursor, 1)?.[0] === 'string') throw new HaatError('bad_request', 'cursor is not one this server gave');
  if (cursor !== null && cursor !== '') q.cursor = cursor;
  if (before !== undefined) q.before = before;
  if (since !== undefined) q.since = since;
  return q;
}

export function mountChatRest(d: ChatRestDeps): void {
  const { app, route } = d;
  const base = `${d.prefix}/chat/rooms`;
  const ask = <R>(roomId: string, msg: RoomMessage): Promise<R> => d.actors.ask<R>(roomAddress(roomId), msg, { timeoutMs: d.askTimeoutMs });

  app.post(
    base,
    route(
      'anyone',
      async ({ principal, body }) => {
        const caller = callerOf(principal);
        const b = parseBody(roomBody, await body);
        const id = `r_${nanoid(16)}`;
        return { status: 201, body: await ask(id, { type: 'create', caller, spec: { type: b.type, participants: b.participants, metadata: b.metadata ?? {} } }) };
      },
      true,
    ),
  );

  app.get(
    base,
    route('anyone', async ({ principal, query }) => {
      const { user_id } = callerOf(principal);
      const limit = limitParam(query) ?? 50;
      const cursor = query.get('cursor');
      const after = cursor === null || cursor === '' ? null : Buffer.from(cursor, 'base64url').toString('utf8');
      // The page and one more (is there a next page?): asking for every room and sorting them on each page made paging through them quadratic.
      const known = await d.actors.ask<{ rooms: string[] }>(userAddress(user_id), { type: 'list_rooms', after, limit: limit + 1 }, { timeoutMs: d.askTimeoutMs });
      // Sorted and cut here too: an actor of an earlier release answers every room, in no order.
      const ids = [...known.rooms].sort().filter((id) => after === null || id > after);
      const pageIds = ids.slice(0, limit);
      const views = await Promise.all(
        pageIds.map((id) =>
          ask<object>(id, { type: 'view', user_id }).catch((err: unknown) => {
            // A room whose creation did not commit, or one the user is no longer in, is not listed.
            if (err instanceof HaatError && (err.code === 'not_found' || err.code === 'forbidden')) return null;
            throw err;
          }),
        ),
      );
      const last = pageIds[pageIds.length - 1];
      return { status: 200, body: { rooms: views.filter((v) => v !== null), next_cursor: ids.length > limit && last !== undefined ? Buffer.from(last).toString('base64url') : null } };
    }),
  );

  app.post(
    `${base}/:room_id/join`,
    route('anyone', async ({ principal, params }) => ({ status: 200, body: await ask(roomIdOf(params), { type: 'join', caller: callerOf(principal) }) })),
  );

  app.post(
    `${base}/:room_id/messages`,
    route(
      'anyone',
      async ({ principal, params, body, ip }) => {
        const { user_id } = callerOf(principal);
        const roomId = roomIdOf(params);
        const chat = chatInput(parseBody(messageBody, await body));
        d.spam?.({ user_id, session_id: null, ip }, roomId, chat);
        const extra = d.chatLanguages ? await d.chatLanguages.enrich(chat.message) : {};
        return { status: 201, body: await ask(roomId, { type: 'send', sender: user_id, chat: { ...chat, ...extra } }) };
      },
      true,
    ),
  );

  app.get(
    `${base}/:room_id/messages`,
    route('anyone', async ({ principal, params, query }) => {
      const { user_id } = callerOf(principal);
      return { status: 200, body: await ask(roomIdOf(params), { type: 'list_messages', user_id, query: messageQuery(query) }) };
    }),
  );

  app.put(
    `${base}/:room_id/read`,
    route(
      'anyone',
      async ({ principal, params, body }) => {
        const { user_id } = callerOf(principal);
        const roomId = roomIdOf(params);
        const b = parseBody(readBody, await body);
        return { status: 200, body: await ask(roomId, { type: 'read', user_id, offset: b.offset }) };
      },
      true,
    ),
  );
}
