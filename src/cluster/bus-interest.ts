// Node interest and join alignment over the engine's channel bus (redis):
// the first local subscriber (or a join about to make one) subscribes this
// node to the channel's topic, the last one leaving unsubscribes it and drops
// its cursor in the ordered feed.
import type { Logger } from 'pino';
import type { ChannelBus } from '../engines/channel-bus.ts';
import type { StreamPosition } from '../engines/channel-history.ts';
import type { NodeInterest } from '../gateway/interest.ts';
import type { JoinSync } from '../gateway/join-sync.ts';
import type { OrderedFeed } from './ordered-feed.ts';

export class BusInterest implements NodeInterest {
  constructor(
    private readonly bus: ChannelBus,
    private readonly feed: OrderedFeed,
    private readonly joinInFlight: (channel: string) => boolean,
    private readonly log: Logger,
  ) {}

  watch(channel: string): void {
    // Normally a no-op: the join subscribed the node before asking (BusJoinSync.prepare).
    this.bus.watch(channel).catch((err: unknown) => this.log.warn({ channel, err: (err as Error).message }, 'bus watch failed'));
  }

  unwatch(channel: string): void {
    if (this.joinInFlight(channel)) return; // the join's completion settles it
    this.feed.forget(channel);
    this.bus.unwatch(channel).catch((err: unknown) => this.log.debug({ channel, err: (err as Error).message }, 'bus unwatch failed (the node may receive events it drops)'));
  }
}

export class BusJoinSync implements JoinSync {
  constructor(
    private readonly bus: ChannelBus,
    private readonly feed: OrderedFeed,
  ) {}

  prepare(channels: readonly string[]): Promise<void> {
    return Promise.all(channels.map((ch) => this.bus.watch(ch))).then(() => undefined);
  }

  whenAt(channel: string, pos: StreamPosition, cb: () => void): void {
    this.feed.whenAt(channel, pos, cb);
  }
}
