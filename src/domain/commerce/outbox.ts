// Events a durable actor publishes (bid_placed, auction_closed, stock updates)
// and its notifications leave as effects after its save commits. A node can die
// between the commit and the send: the last message's events are kept in the
// persisted state with dedupe keys, and the next activation (after a crash or
// a takeover) sends them again; the channel actor's dedupe publishes each once, and
// the user actor queues a notification id once.
import type { ActorContext } from '../../actors/behaviour.ts';
import type { EventSink } from '../channel/event-sink.ts';
import type { Priority } from '../channel/rules.ts';
import { userAddress, type NewNotification } from '../user/messages.ts';
import { notificationOf, type NotificationSpec } from '../notification/notify.ts';

/** An event for a channel, or a notification for a user's actor (which ignores an id it has seen). */
export type OutboxEntry = ChannelEntry | NotifyEntry;

export interface NotifyEntry {
  kind: 'notify';
  user: string;
  /** What notify() saves (notificationOf renders it). */
  spec?: NotificationSpec;
  /** The rendered notification, as outboxes saved before specs hold it. */
  notification?: NewNotification;
}

export interface ChannelEntry {
  /** Absent in outboxes saved before notifications went to user actors. */
  kind?: 'event';
  channel: string;
  event_type: string;
  data_json: string;
  priority: Priority;
  /** Unique per event of its channel: a second publish with it answers the first and publishes nothing. */
  dedupe: string;
}

/** The events of the last committed message, and when it committed. */
export interface Outbox {
  at: number;
  entries: OutboxEntry[];
}

export function outboxEntry(channel: string, eventType: string, data: unknown, priority: Priority, dedupe: string): ChannelEntry {
  return { kind: 'event', channel, event_type: eventType, data_json: JSON.stringify(data), priority, dedupe };
}

/** Sends the entries to their user actors and publishes them on their channels through `events` (held by the runtime until the save commits). */
export function sendOutbox(ctx: ActorContext, entries: readonly OutboxEntry[], events: EventSink): void {
  for (const e of entries) {
    if (e.kind === 'notify') ctx.send(userAddress(e.user), { type: 'notify', notifications: [notificationOf(e)] });
    else events.publish(ctx, e.channel, { event_type: e.event_type, data_json: e.data_json, priority: e.priority, dedupe: e.dedupe });
  }
}

/**
 * On activation: sends the last message's events again while the channels
 * still remember their dedupe keys (`dedupeTtlMs`, with a margin), so a
 * publish lost to a crash goes out once and one that left is not repeated.
 */
export function replayOutbox(ctx: ActorContext, outbox: Outbox | null, dedupeTtlMs: number, events: EventSink): void {
  if (outbox === null || outbox.entries.length === 0) return;
  if (ctx.now() - outbox.at > dedupeTtlMs / 2) return;
  sendOutbox(ctx, outbox.entries, events);
}

/**
 * The activation of an actor that keeps an outbox: its saved state (or
 * `empty` when it has none), with the last message's events sent again as
 * replayOutbox decides.
 */
export async function activateWithOutbox<S extends { outbox?: Outbox | null }>(ctx: ActorContext, empty: S, dedupeTtlMs: number, events: EventSink): Promise<S> {
  const state = ((await ctx.loadPersisted()) as S | undefined) ?? empty;
  replayOutbox(ctx, state.outbox ?? null, dedupeTtlMs, events);
  return state;
}
