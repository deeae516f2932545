// An event appended straight to the engine's history, which numbers it
// (appendNext): what the actors' HistoryEventSink and the gateway's
// HistoryPublisher both do, the one after a save commits, the other at once.
import { nanoid } from 'nanoid';
import type { ChannelHistory, HistoryBounds, NextAppendRequest } from '../../engines/channel-history.ts';
import type { PublishResult } from './messages.ts';
import { historyBoundsOf, nextAppendOf, publishAnswerOf, type HistoryLimits, type PublishInput } from './rules.ts';

/** A new event's id (the `id` of its frame and of the publish's answer). */
export function newEventId(): string {
  return `ev_${nanoid(10)}`;
}

export class EventAppender {
  private readonly bounds: HistoryBounds;

  constructor(
    private readonly history: ChannelHistory,
    private readonly limits: HistoryLimits,
  ) {
    this.bounds = historyBoundsOf(limits);
  }

  /** The append of an event published at `now`: its id and frame are fixed here, whenever it is appended. */
  prepare(channel: string, input: PublishInput, now: number): NextAppendRequest {
    return nextAppendOf(channel, newEventId(), input, now, this.limits);
  }

  /** Appends a prepared event; answers its id and offset, or the first answer of a repeated idempotency key. */
  async append(channel: string, req: NextAppendRequest): Promise<PublishResult> {
    return publishAnswerOf(req.id, await this.history.appendNext(channel, req, this.bounds));
  }
}
