// The handlers of the client frames served today, as the dispatch table.
import type { ActorSystem } from '../actors/system.ts';
import { keyOf, type KeyedAsks } from './keyed-asks.ts';
import { HaatError } from '../errors.ts';
import { textError } from '../i18n/realtime-messages.ts';
import { toDhakaIso, type Clock } from '../time/clock.ts';
import { mayBroadcast, maySendMessage, parseChannel } from './acl.ts';
import type { Socket } from './connection.ts';
import type { DispatchTable, FrameOf } from './dispatch.ts';
import { chatInput } from './chat-input.ts';
import { roomAddress, type OutgoingChat, type SendReply } from '../domain/chat/messages.ts';
import type { ChatLanguages } from '../i18n/translate/chat-languages.ts';
import { withRef, type FrameRef } from './frames.ts';
import type { Membership } from './membership.ts';
import { publishReplyFrame } from './publish.ts';
import type { ChannelPublisher, PublishRequest } from './channel-publisher.ts';
import { sanitizeText } from './sanitize.ts';
import type { Writer } from './writer.ts';
import { toPaisa } from '../domain/commerce/money.ts';
import { checkClientEvent, defaultPriority } from '../domain/channel/event-schemas.ts';
import { auctionAddress } from '../domain/auction/messages.ts';
import { saleAddress } from '../domain/sale/messages.ts';
import { userAddress } from '../domain/user/messages.ts';
import type { AnswerCallback } from '../actors/system.ts';
import type { ConnState } from './connection.ts';
import type { Analytics } from '../metrics/analytics.ts';

export interface HandlerDeps {
  actors: ActorSystem;
  publisher: ChannelPublisher;
  membership: Membership;
  writer: Writer;
  clock: Clock;
  askTimeoutMs: number;
  /** Bids and reserves with a client key: one ask per key in flight, retries wait for it. */
  keyedAsks: KeyedAsks;
  /** Answers a request with an error frame. */
  error: (ws: Socket, ref: FrameRef | undefined, err: unknown) => void;
  /** Translates chat messages before the room actor is asked; none: chat goes untranslated. */
  chatLanguages?: ChatLanguages | undefined;
  /** The spam rules for a chat message of a signed-in sender; throws `spam`. */
  spam: (s: ConnState, roomId: string, chat: OutgoingChat) => void;
  /** Shopping behaviour from presence reports and published events (metrics/analytics.ts). */
  analytics?: Analytics | undefined;
}

export function frameHandlers(d: HandlerDeps): DispatchTable {
  const { writer, error } = d;
  /**
   * Per connection, the last chat message still being translated: the next
   * one waits for it, so that a sender's messages reach the room in the order
   * sent even when one translation takes longer than the next.
   */
  const translating = new WeakMap<ConnState, Promise<void>>();

  /** Runs `then` with the chat and its translations (at most translate.timeoutMs later). */
  const withLanguages = (ws: Socket, s: ConnState, ref: FrameRef | undefined, chat: OutgoingChat, then: (chat: OutgoingChat) => void): void => {
    const langs = d.chatLanguages;
    if (!langs) return then(chat);
    const mine = (translating.get(s) ?? Promise.resolve())
      .then(() => langs.enrich(chat.message))
      .then((extra) => then({ ...chat, ...extra }))
      .catch((err: unknown) => error(ws, ref, err))
      .finally(() => {
        if (translating.get(s) === mine) translating.delete(s);
      });
    translating.set(s, mine);
  };

  const publish = (ws: Socket, ref: FrameRef | undefined, req: PublishRequest): void => {
    // The callback keeps only the channel name, not the request and its data:
    // whatever it holds lives as long as the ask (promoted to the old
    // generation when answers are slow, which makes them slower still).
    const channel = req.channel;
    d.publisher.request(req, (err, answer) => {
      if (err || !answer) return error(ws, ref, err ?? new HaatError('internal', 'no answer'));
      writer.sendRaw(ws, publishReplyFrame(answer, channel, ref));
    });
  };

  /** An ask to a commerce actor whose answer becomes the `reply` (§7, §8); the caller must be signed in. */
  const commerce = (ws: Socket, s: ConnState, ref: FrameRef | undefined, address: string, msg: (user: string) => Record<string, unknown> & { type: string }, clientKey?: string): void => {
    const user = s.principal.userId;
    if (user === null) return error(ws, ref, textError('unauthorized', 'error.unauthorized.sign_in_to', { action: 'bid, reserve or release' }));
    const done: AnswerCallback<object> = (err, answer) => {
      if (err || !answer) return error(ws, ref, err ?? new HaatError('internal', 'no answer'));
      writer.send(ws, withRef({ type: 'reply', ok: true, ...answer }, ref));
    };
    // The actor keys idempotency per user: a retry of this user's request waits for the first ask.
    if (clientKey !== undefined) d.keyedAsks.request(keyOf(address, user, clientKey), address, msg(user), done as AnswerCallback<unknown>);
    else d.actors.request(address, msg(user), d.askTimeoutMs, done);
  };

  /** An ask to the connection's own user actor (presence, ack): signed-in connections only. */
  const toUser = (ws: Socket, s: ConnState, ref: FrameRef | undefined, msg: Record<string, unknown> & { type: string }): void => {
    const user = s.principal.userId;
    if (user === null) return error(ws, ref, textError('unauthorized', 'error.unauthorized.sign_in_to', { action: `send ${msg.type}` }));
    d.actors.request<object>(userAddress(user), msg, d.askTimeoutMs, (err, answer) => {
      if (err || !answer) return error(ws, ref, err ?? new HaatError('internal', 'no answer'));
      writer.send(ws, withRef({ type: 'reply', ok: true, ...answer }, ref));
    });
  };

  /** send_message on `chat:{room_id}`: the room actor checks the sender, stores the message, then answers (§10). */
  const chatSend = (ws: Socket, s: ConnState, frame: FrameOf<'send_message'>, roomId: string): void => {
    const sender = s.principal.userId;
    if (sender === null) return error(ws, frame.ref, textError('forbidden', 'error.forbidden.not_participant', { action: 'send', channel: frame.channel }));
    let chat;
    try {
      chat = chatInput(frame);
      d.spam(s, roomId, chat);
    } catch (err) {
      return error(ws, frame.ref, err);
    }
    withLanguages(ws, s, frame.ref, chat, (translated) =>
      d.actors.request<SendReply>(roomAddress(roomId), { type: 'send', sender, chat: translated }, d.askTimeoutMs, (err, answer) => {
        if (err || !answer) return error(ws, frame.ref, err ?? new HaatError('internal', 'no answer'));
        writer.send(ws, withRef({ type: 'reply', ...answer }, frame.ref));
      }),
    );
  };

  return {
    presence: (ws, s, frame) => {
      // Signed-in users only: a guest's presence is refused below.
      if (s.principal.userId !== null) d.analytics?.presence(s, frame.current_page, frame.shopping_activity);
      toUser(ws, s, frame.ref, {
        type: 'presence',
        status: frame.status,
        ...(frame.current_page === undefined ? {} : { current_page: frame.current_page }),
        ...(frame.shopping_activity === undefined ? {} : { shopping_activity: frame.shopping_activity }),
      });
    },

    ack: (ws, s, frame) => toUser(ws, s, frame.ref, { type: 'ack', ids: frame.notification_ids }),
    typing: (ws, s, frame) => {
      const ch = parseChannel(frame.channel);
      if (!ch || ch.namespace !== 'chat') return error(ws, frame.ref, new HaatError('bad_request', 'channel: typing is for chat:{room_id} channels'));
      const sender = s.principal.userId;
      if (sender === null) return error(ws, frame.ref, textError('forbidden', 'error.forbidden.not_participant', { action: 'type', channel: frame.channel }));
      d.actors.request(roomAddress(ch.id), { type: 'typing', sender }, d.askTimeoutMs, (err) => {
        if (err) return error(ws, frame.ref, err);
        writer.send(ws, withRef({ type: 'reply', ok: true }, frame.ref));
      });
    },

    bid: (ws, s, frame) =>
      commerce(
        ws,
        s,
        frame.ref,
        auctionAddress(frame.auction_id),
        (bidder) => ({
          type: 'bid',
          bidder,
          amount: toPaisa(frame.amount)!, // the schema admits only amounts with a paisa value
          ...(frame.client_bid_id === undefined ? {} : { client_bid_id: frame.client_bid_id }),
        }),
        frame.client_bid_id,
      ),

    reserve: (ws, s, frame) =>
      commerce(
        ws,
        s,
        frame.ref,
        saleAddress(frame.sale_id),
        (user) => ({
          type: 'reserve',
          user,
          sku: frame.sku,
          qty: frame.qty,
          ...(frame.client_req_id === undefined ? {} : { client_req_id: frame.client_req_id }),
        }),
        frame.client_req_id,
      ),

    release: (ws, s, frame) => commerce(ws, s, frame.ref, saleAddress(frame.sale_id), (user) => ({ type: 'release', user, reservation_id: frame.reservation_id })),

    ping: (ws, _s, frame) => writer.send(ws, withRef({ type: 'pong', server_time: toDhakaIso(d.clock.now()) }, frame.ref)),

    join_channel: (ws, s, frame) => void d.membership.join(ws, s, frame).catch((err: unknown) => error(ws, frame.ref, err)),

    leave_channel: (ws, s, frame) => d.membership.leave(ws, s, frame),

    broadcast_event: (ws, s, frame) => {
      const ch = parseChannel(frame.channel);
      if (!ch) return error(ws, frame.ref, new HaatError('bad_request', `bad channel name ${JSON.stringify(frame.channel)}`));
      if (!mayBroadcast(s.principal, ch, frame.channel)) return error(ws, frame.ref, new HaatError('forbidden', `may not broadcast on ${frame.channel}`));
      const invalid = checkClientEvent(ch.namespace, frame.event_type, frame.data);
      if (invalid) return error(ws, frame.ref, invalid);
      d.analytics?.published(s, frame.event_type, frame.data);
      publish(ws, frame.ref, {
        channel: frame.channel,
        event_type: frame.event_type,
        data: frame.data,
        priority: frame.priority ?? defaultPriority(frame.event_type),
        ttl_s: frame.ttl_s,
        sender: s.principal.userId,
        client_msg_id: frame.client_msg_id,
      });
    },

    send_message: (ws, s, frame) => {
      const ch = parseChannel(frame.channel);
      if (!ch) return error(ws, frame.ref, new HaatError('bad_request', `bad channel name ${JSON.stringify(frame.channel)}`));
      if (ch.namespace === 'chat') return chatSend(ws, s, frame, ch.id);
      if (!maySendMessage(s.principal, ch)) return error(ws, frame.ref, new HaatError('forbidden', `may not send messages on ${frame.channel}`));
      const text = sanitizeText(frame.message);
      if (text.length === 0) return error(ws, frame.ref, textError('bad_request', 'error.bad_request.message_empty', {}));
      publish(ws, frame.ref, {
        channel: frame.channel,
        event_type: 'message',
        data: { message: text, message_type: frame.message_type ?? 'text', metadata: frame.metadata ?? {}, sender_id: s.principal.userId, client_msg_id: frame.client_msg_id ?? null },
        priority: 'normal',
        ttl_s: undefined,
        sender: s.principal.userId,
        client_msg_id: frame.client_msg_id,
      });
    },
  };
}
