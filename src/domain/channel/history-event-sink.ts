// Events appended to the engine's history by the publishing actor's own
// thread, once its save has committed (see event-sink.ts). The event is
// numbered and its frame stamped when the actor handled the message, as the
// channel actor would have; the append itself is an afterCommit effect, so a
// refused save publishes nothing and a failed append is reported like an
// undeliverable send (the outboxes send their entries again on activation).
import { nanoid } from 'nanoid';
import type { ActorContext } from '../../actors/behaviour.ts';
import type { ChannelHistory, HistoryBounds } from '../../engines/channel-history.ts';
import type { EventSink } from './event-sink.ts';
import { channelAddress, type PublishResult } from './messages.ts';
import { historyBoundsOf, nextAppendOf, publishAnswerOf, type HistoryLimits, type PublishInput } from './rules.ts';

export class HistoryEventSink implements EventSink {
  private readonly bounds: HistoryBounds;

  constructor(
    private readonly history: ChannelHistory,
    private readonly limits: HistoryLimits,
  ) {
    this.bounds = historyBoundsOf(limits);
  }

  publish(ctx: ActorContext, channel: string, input: PublishInput): void {
    const req = nextAppendOf(channel, `ev_${nanoid(10)}`, input, ctx.now(), this.limits);
    ctx.afterCommit(channelAddress(channel), 'publish', async () => {
      await this.history.appendNext(channel, req, this.bounds);
    });
  }

  /** The engine's own command timeout bounds the wait (the redis engine fails a command as unavailable after 2 s). */
  async publishAndWait(ctx: ActorContext, channel: string, input: PublishInput): Promise<PublishResult> {
    const id = `ev_${nanoid(10)}`;
    return publishAnswerOf(id, await this.history.appendNext(channel, nextAppendOf(channel, id, input, ctx.now(), this.limits), this.bounds));
  }
}
