// Every actor kind haat runs; each host thread loads this module once, with
// its own slice of the node's config (never the whole of it: no secrets).
import type { Behaviour, HostServices } from '../actors/behaviour.ts';
import type { ChannelsConfig, CommerceConfig, UsersConfig } from '../config/schema.ts';
import type { EngineSpec } from '../engines/engine.ts';
import { channelBehaviour } from './channel/actor.ts';
import { auctionBehaviour } from './auction/actor.ts';
import { saleBehaviour } from './sale/actor.ts';
import { userBehaviour } from './user/actor.ts';
import { roomBehaviour } from './chat/actor.ts';
import { paymentBehaviour } from './payment/actor.ts';
import { campaignBehaviour } from './campaign/actor.ts';
import { createHostHistory } from '../engines/host-engine.ts';
import { LinkedChatRooms } from '../store/linked-chat-rooms.ts';
import { renderNotification } from './notification/notify.ts';
import type { EventSink } from './channel/event-sink.ts';
import { actorEventSink } from './channel/actor-event-sink.ts';
import { HistoryEventSink } from './channel/history-event-sink.ts';

/** Room actors' settings (from the node's actors and commerce config). */
export interface ChatSlice {
  idleMs: number;
  publishTimeoutMs: number;
}

/** What a host thread is given: the settings its behaviours need, and which engine to build. */
export interface HostSlice {
  channels: ChannelsConfig;
  commerce: CommerceConfig;
  users: UsersConfig;
  chat: ChatSlice;
  engine: EngineSpec;
}

export function createBehaviours(config: unknown, services: HostServices): Behaviour<any, any, any>[] {
  const slice = config as HostSlice; // built and validated by the main thread (node.ts)
  const history = createHostHistory(slice.engine, slice.channels.idempotencyMax);
  const channel = channelBehaviour({ history, limits: slice.channels, idleMs: slice.channels.idleMs });
  // Redis: any thread may append (the history's script numbers), so actors publish without the channel actor.
  const events: EventSink = history.publishesOnAppend ? new HistoryEventSink(history, slice.channels) : actorEventSink;
  const c = slice.commerce;
  const auction = auctionBehaviour({ idempotency: { ttlMs: c.idempotencyTtlMs, max: c.bidIdempotencyMax }, refusalsMax: c.refusalIdempotencyMax, dedupeTtlMs: slice.channels.idempotencyTtlMs, idleMs: c.idleMs, events });
  const sale = saleBehaviour({ idempotencyTtlMs: c.idempotencyTtlMs, refusalsMax: c.refusalIdempotencyMax, stockConflateMs: c.stockConflateMs, idleMs: c.idleMs, events });
  const u = slice.users;
  const user = userBehaviour({ offlineGraceMs: u.offlineGraceMs, limits: { queueMax: u.queueMax, historyMax: u.historyMax }, idleMs: u.idleMs, prayerQuiet: u.prayerQuiet, events });
  // Room actors write the node's store, which lives on the main thread.
  const room = roomBehaviour({ rooms: new LinkedChatRooms(services.callMain), render: renderNotification(), idleMs: slice.chat.idleMs, publishTimeoutMs: slice.chat.publishTimeoutMs, events });
  const payment = paymentBehaviour({ dedupeTtlMs: slice.channels.idempotencyTtlMs, idleMs: c.idleMs, events });
  const campaign = campaignBehaviour({ dedupeTtlMs: slice.channels.idempotencyTtlMs, idleMs: c.idleMs, events });
  return [channel, auction, sale, user, room, payment, campaign];
}
