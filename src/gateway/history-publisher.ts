// A publish straight to the engine's history, from the node the publisher is
// connected to (the redis engine; see channel-publisher.ts). The event is
// encoded here, numbered by the history's script, which also publishes it to
// every interested node, this one included: exactly what the channel actor
// does with it, without the hop to the channel's owner.
import type { AnswerCallback } from '../actors/system.ts';
import type { ChannelHistory } from '../engines/channel-history.ts';
import { EventAppender } from '../domain/channel/event-appender.ts';
import type { HistoryLimits } from '../domain/channel/rules.ts';
import { toHaatError } from '../errors.ts';
import type { Clock } from '../time/clock.ts';
import { publishInputOf, type ChannelPublisher, type PublishRequest, type PublishResult } from './channel-publisher.ts';

export class HistoryPublisher implements ChannelPublisher {
  private readonly events: EventAppender;

  constructor(
    history: ChannelHistory,
    limits: HistoryLimits,
    private readonly clock: Clock,
  ) {
    this.events = new EventAppender(history, limits);
  }

  publish(req: PublishRequest): Promise<PublishResult> {
    return this.events.append(req.channel, this.events.prepare(req.channel, publishInputOf(req), this.clock.now()));
  }

  request(req: PublishRequest, done: AnswerCallback<PublishResult>): void {
    this.publish(req).then(
      (answer) => done(undefined, answer),
      (err: unknown) => done(toHaatError(err), undefined),
    );
  }
}
