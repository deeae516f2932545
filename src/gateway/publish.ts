// One publish through the channel actor, shared by the broadcast_event and
// send_message frames and by POST events/broadcast.
import { jsonString } from '../actors/json-text.ts';
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

export function publishMessage(req: PublishRequest): Record<string, unknown> & { type: string } {
  const msg: Record<string, unknown> & { type: string } = { type: 'publish', event_type: req.event_type, data_json: encodeData(req.data), priority: req.priority };
  if (req.ttl_s !== undefined) msg.ttl_s = req.ttl_s;
  if (req.client_msg_id !== undefined) msg.dedupe = `${req.sender ?? ''}|${req.client_msg_id}`;
  return msg;
}

export function publish(actors: ActorSystem, req: PublishRequest, timeoutMs: number): Promise<PublishResult> {
  return actors.ask(channelAddress(req.channel), publishMessage(req), { timeoutMs });
}

/** JSON.stringify(msg) of a publishMessage, by hand: the per-frame path (see json-text.ts). */
export function encodePublish(msg: Record<string, unknown> & { type: string }): string {
  let out = `{"type":"publish","event_type":${jsonString(msg.event_type as string)},"data_json":${JSON.stringify(msg.data_json)},"priority":${jsonString(msg.priority as string)}`;
  if (msg.ttl_s !== undefined) out += `,"ttl_s":${JSON.stringify(msg.ttl_s)}`;
  if (msg.dedupe !== undefined) out += `,"dedupe":${JSON.stringify(msg.dedupe)}`;
  return `${out}}`;
}

/** The same with a callback, for the per-frame path (no promise per frame). */
export function requestPublish(actors: ActorSystem, req: PublishRequest, timeoutMs: number, done: AnswerCallback<PublishResult>): void {
  const msg = publishMessage(req);
  actors.request(channelAddress(req.channel), msg, timeoutMs, done, encodePublish(msg));
}

/** The `reply` frame of a publish (§2): {type, ok, id, channel, offset, ref?}, by hand (see json-text.ts). */
export function publishReplyFrame(answer: PublishResult, channel: string, ref: string | number | undefined): string {
  const head = `{"type":"reply","ok":true,"id":${jsonString(answer.id)},"channel":${jsonString(channel)},"offset":${JSON.stringify(answer.offset)}`;
  return ref === undefined ? `${head}}` : `${head},"ref":${typeof ref === 'string' ? jsonString(ref) : JSON.stringify(ref)}}`;
}
