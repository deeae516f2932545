// Events sent to the channel's actor, which appends them (see event-sink.ts).
import type { ActorContext } from '../../actors/behaviour.ts';
import type { EventSink } from './event-sink.ts';
import { channelAddress, type PublishResult } from './messages.ts';
import type { PublishInput } from './rules.ts';

export const actorEventSink: EventSink = {
  publish(ctx: ActorContext, channel: string, input: PublishInput): void {
    ctx.send(channelAddress(channel), { type: 'publish', ...input });
  },
  publishAndWait(ctx: ActorContext, channel: string, input: PublishInput, timeoutMs: number): Promise<PublishResult> {
    return ctx.ask<PublishResult>(channelAddress(channel), { type: 'publish', ...input }, timeoutMs);
  },
};
