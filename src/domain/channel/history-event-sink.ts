// Events appended to the engine's history by the publishing actor's own
// thread, once its save has committed (see event-sink.ts). The event is
// numbered and its frame stamped when the actor handled the message, as the
// channel actor would have; the append itself is an afterCommit effect, so a
// refused save publishes nothing and a failed append is reported like an
// undeliverable send (the outboxes send their entries again on activation).
import type { ActorContext } from '../../actors/behaviour.ts';
import type { ChannelHistory } from '../../engines/channel-history.ts';
import { EventAppender } from './event-appender.ts';
import type { EventSink } from './event-sink.ts';
import { channelAddress, type PublishResult } from './messages.ts';
import type { HistoryLimits, PublishInput } from './rules.ts';

export class HistoryEventSink implements EventSink {
  private readonly events: EventAppender;

  constructor(history: ChannelHistory, limits: HistoryLimits) {
    this.events = new EventAppender(history, limits);
  }

  publish(ctx: ActorContext, channel: string, input: PublishInput): void {
    const req = this.events.prepare(channel, input, ctx.now());
    ctx.afterCommit(channelAddress(channel), 'publish', () => this.events.append(channel, req));
  }

  /** The engine's own command timeout bounds the wait (the redis engine fails a command as unavailable after 2 s). */
  publishAndWait(ctx: ActorContext, channel: string, input: PublishInput): Promise<PublishResult> {
    return this.events.append(channel, this.events.prepare(channel, input, ctx.now()));
  }
}
