// A publish through the channel actor (the memory engine; channel-publisher.ts),
// and the reply frame of any publish.
import { jsonString } from '../actors/json-text.ts';
import type { ActorSystem, AnswerCallback } from '../actors/system.ts';
import { channelAddress } from '../domain/channel/messages.ts';
import { publishInputOf, type ChannelPublisher, type PublishRequest, type PublishResult } from './channel-publisher.ts';

export type { PublishRequest, PublishResult };

export function publishMessage(req: PublishRequest): Record<string, unknown> & { type: string } {
  return { type: 'publish', ...publishInputOf(req) };
}

export class ActorPublisher implements ChannelPublisher {
  constructor(
    private readonly actors: ActorSystem,
    private readonly timeoutMs: number,
  ) {}

  publish(req: PublishRequest): Promise<PublishResult> {
    return this.actors.ask(channelAddress(req.channel), publishMessage(req), { timeoutMs: this.timeoutMs });
  }

  request(req: PublishRequest, done: AnswerCallback<PublishResult>): void {
    const msg = publishMessage(req);
    this.actors.request(channelAddress(req.channel), msg, this.timeoutMs, done, encodePublish(msg));
  }
}

/** JSON.stringify(msg) of a publishMessage, by hand: the per-frame path (see json-text.ts). */
export function encodePublish(msg: Record<string, unknown> & { type: string }): string {
  let out = `{"type":"publish","event_type":${jsonString(msg.event_type as string)},"data_json":${JSON.stringify(msg.data_json)},"priority":${jsonString(msg.priority as string)}`;
  if (msg.ttl_s !== undefined) out += `,"ttl_s":${JSON.stringify(msg.ttl_s)}`;
  if (msg.dedupe !== undefined) out += `,"dedupe":${JSON.stringify(msg.dedupe)}`;
  return `${out}}`;
}

/** The `reply` frame of a publish (§2): {type, ok, id, channel, offset, ref?}, by hand (see json-text.ts). */
export function publishReplyFrame(answer: PublishResult, channel: string, ref: string | number | undefined): string {
  const head = `{"type":"reply","ok":true,"id":${jsonString(answer.id)},"channel":${jsonString(channel)},"offset":${JSON.stringify(answer.offset)}`;
  return ref === undefined ? `${head}}` : `${head},"ref":${typeof ref === 'string' ? jsonString(ref) : JSON.stringify(ref)}}`;
}
