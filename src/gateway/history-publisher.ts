// A publish straight to the engine's history, from the node the publisher is
// connected to (the redis engine; see channel-publisher.ts). The event is
// encoded here, numbered by the history's script, which also publishes it to
// every interested node, this one included: exactly what the channel actor
// does with it, without the hop to the channel's owner.
import { nanoid } from 'nanoid';
import type { AnswerCallback } from '../actors/system.ts';
import type { ChannelHistory, NextAppendOutcome } from '../engines/channel-history.ts';
import { historyBoundsOf, nextAppendOf, publishAnswerOf, type HistoryLimits, type PublishInput } from '../domain/channel/rules.ts';
import { toHaatError } from '../errors.ts';
import type { Clock } from '../time/clock.ts';
import { dedupeKeyOf, encodeData, type ChannelPublisher, type PublishRequest, type PublishResult } from './channel-publisher.ts';

export class HistoryPublisher implements ChannelPublisher {
  private readonly bounds;

  constructor(
    private readonly history: ChannelHistory,
    private readonly limits: HistoryLimits,
    private readonly clock: Clock,
  ) {
    this.bounds = historyBoundsOf(limits);
  }

  async publish(req: PublishRequest): Promise<PublishResult> {
    const id = `ev_${nanoid(10)}`;
    const out: NextAppendOutcome = await this.history.appendNext(req.channel, nextAppendOf(req.channel, id, inputOf(req), this.clock.now(), this.limits), this.bounds);
    return publishAnswerOf(id, out);
  }

  request(req: PublishRequest, done: AnswerCallback<PublishResult>): void {
    this.publish(req).then(
      (answer) => done(undefined, answer),
      (err: unknown) => done(toHaatError(err), undefined),
    );
  }
}

function inputOf(req: PublishRequest): PublishInput {
  const input: PublishInput = { event_type: req.event_type, data_json: encodeData(req.data), priority: req.priority };
  if (req.ttl_s !== undefined) input.ttl_s = req.ttl_s;
  const dedupe = dedupeKeyOf(req);
  if (dedupe !== undefined) input.dedupe = dedupe;
  return input;
}
