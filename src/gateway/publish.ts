// One publish through the channel actor, shared by the broadcast_event and
// send_message frames and by POST events/broadcast.
import type { ActorSystem, AnswerCallback } from '../actors/system.ts';
import { channelAddress, type PublishResult } from '../domain/channel/messages.ts';
import type { Priority } from '../domain/channel/rules.ts';

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

// The edge schemas refuse a missing `data`; null keeps the frame valid JSON should one slip through.
function encodeData(data: unknown): string {
  return JSON.stringify(data) ?? 'null';
}

function publishMessage(req: PublishRequest): Record<string, unknown> & { type: string } {
  const msg: Record<string, unknown> & { type: string } = { type: 'publish', event_type: req.event_type, data_json: encodeData(req.data), priority: req.priority };
  if (req.ttl_s !== undefined) msg.ttl_s = req.ttl_s;
  if (req.client_msg_id !== undefined) msg.dedupe = `${req.sender ?? ''}|${req.client_msg_id}`;
  return msg;
}

export function publish(actors: ActorSystem, req: PublishRequest, timeoutMs: number): Promise<PublishResult> {
  return actors.ask(channelAddress(req.channel), publishMessage(req), { timeoutMs });
}

/** The same with a callback, for the per-frame path (no promise per frame). */
export function requestPublish(actors: ActorSystem, req: PublishRequest, timeoutMs: number, done: AnswerCallback<PublishResult>): void {
  actors.request(channelAddress(req.channel), publishMessage(req), timeoutMs, done);
}
