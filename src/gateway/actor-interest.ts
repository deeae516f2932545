// Node interest kept by the channel actors: `watch` / `unwatch` messages name
// this node, and the actor hands each event once to every watching node.
import type { Logger } from 'pino';
import type { ActorSystem } from '../actors/system.ts';
import { channelAddress } from '../domain/channel/messages.ts';
import type { NodeInterest } from './interest.ts';

export class ActorInterest implements NodeInterest {
  constructor(
    private readonly actors: ActorSystem,
    private readonly node: string,
    /** True while a join of the channel is in flight on this node (it captures the channel's events). */
    private readonly joinInFlight: (channel: string) => boolean,
    private readonly log: Logger,
  ) {}

  watch(channel: string): void {
    try {
      this.actors.send(channelAddress(channel), { type: 'watch', node: this.node });
    } catch (err) {
      // The join that subscribed made this node a watcher already; this one only confirms it.
      this.log.debug({ err, channel }, 'watch not sent');
    }
  }

  /**
   * Not while a join is in flight: a join makes the node a watcher too, and
   * the actor would see this unwatch after that join, leaving a subscriber
   * without events. The join's completion releases the interest instead.
   */
  unwatch(channel: string): void {
    if (this.joinInFlight(channel)) return;
    try {
      this.actors.send(channelAddress(channel), { type: 'unwatch', node: this.node });
    } catch (err) {
      // Only a cost: the node keeps receiving events it drops.
      this.log.debug({ err, channel }, 'unwatch not sent');
    }
  }

  /** A replaced host thread lost its channels' watchers (and history): watch again those of `channels` it owns. */
  rewatch(hostIndex: number, channels: Iterable<string>): void {
    for (const channel of channels) {
      const address = channelAddress(channel);
      if (this.actors.hostOf(address) !== hostIndex) continue;
      try {
        this.actors.send(address, { type: 'watch', node: this.node });
      } catch (err) {
        this.log.warn({ err, channel }, 'could not re-watch a channel after its host restarted');
      }
    }
  }
}
