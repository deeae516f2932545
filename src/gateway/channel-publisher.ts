// How the gateway publishes an event (broadcast_event and send_message frames,
// POST events/broadcast). Two ways, chosen by the composition root:
// - through the channel actor (ActorPublisher in publish.ts): the memory engine keeps
//   a channel's history in the host thread that owns the channel;
// - straight to the engine's history (history-publisher.ts): the redis
//   engine numbers, appends and publishes in one script that any node may
//   run, so a publish costs one Redis round trip from the publisher's node
//   instead of an ask through the channel owner's mailbox (as Centrifuge's
//   nodes publish through the broker, not through the channel's owner).
import type { AnswerCallback } from '../actors/system.ts';
import type { PublishResult } from '../domain/channel/messages.ts';
import type { Priority, PublishInput } from '../domain/channel/rules.ts';

export interface PublishRequest {
  channel: string;
  event_type: string;
  data: unknown;
  priority: Priority;
  ttl_s: number | undefined;
  /** The publishing user (idempotency is per sender and channel). */
  sender: string | null;
  client_msg_id: string | undefined;
}

export type { PublishResult };

export interface ChannelPublisher {
  publish(req: PublishRequest): Promise<PublishResult>;
  /** The same with a callback, for the per-frame path (no promise per frame). */
  request(req: PublishRequest, done: AnswerCallback<PublishResult>): void;
}

/** The event a publish asks for: its data encoded once, its idempotency key per sender and channel (§2). */
export function publishInputOf(req: PublishRequest): PublishInput {
  // The edge schemas refuse a missing `data`; null keeps the frame valid JSON should one slip through.
  const input: PublishInput = { event_type: req.event_type, data_json: JSON.stringify(req.data) ?? 'null', priority: req.priority };
  if (req.ttl_s !== undefined) input.ttl_s = req.ttl_s;
  if (req.client_msg_id !== undefined) input.dedupe = `${req.sender ?? ''}|${req.client_msg_id}`;
  return input;
}
