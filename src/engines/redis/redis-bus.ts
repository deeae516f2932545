// The channel bus over sharded pub/sub (SSUBSCRIBE, Redis 7): a dedicated
// subscriber connection (a Cluster with shardedSubscribers on a Redis Cluster,
// one subscriber per master) receives what the append script SPUBLISHes to the
// topics of watched channels. After the connection comes back the bus
// subscribes again to everything watched, then tells its listeners (events in
// between were missed: fill the gap from history). On a Cluster each master's
// subscriber comes back on its own, so several drops give several resets; only
// after the last one is delivery whole again.
import type { BusEvent, ChannelBus } from '../channel-bus.ts';
import type { Logger } from '../../log/logger.ts';
import type { KeySpace } from './keys.ts';
import { guarded, type RedisClient } from './connection.ts';
import { decodeBusMessage } from './bus-message.ts';
import { Cluster } from 'ioredis';

export class RedisChannelBus implements ChannelBus {
  private readonly watched = new Map<string, Promise<void>>();
  private readonly eventListeners: ((ev: BusEvent) => void)[] = [];
  private readonly resetListeners: (() => void)[] = [];
  private lost = false;
  private closed = false;

  constructor(
    private readonly sub: RedisClient,
    private readonly keys: KeySpace,
    private readonly log: Logger,
  ) {
    sub.on('smessage', (topic: string, msg: string) => this.deliver(topic, msg));
    if (sub instanceof Cluster) {
      // A lost master subscriber is replaced by ioredis's subscriber group,
      // which then resubscribes and says 'subscribersReady'; we subscribe again
      // too (idempotent) so the reset is reported only once the topics are back.
      sub.on('-subscriber', () => (this.lost = true));
      sub.on('subscribersReady', () => void this.recover());
    } else {
      sub.on('close', () => (this.lost = true));
      sub.on('ready', () => void this.recover());
    }
  }

  private deliver(topic: string, msg: string): void {
    const channel = this.keys.channelOfTopic(topic);
    if (channel === undefined || !this.watched.has(channel)) return;
    const ev = decodeBusMessage(channel, msg);
    if (!ev) {
      this.log.warn({ topic, size: msg.length }, 'bus message in an unknown format dropped');
      return;
    }
    for (const l of this.eventListeners) l(ev);
  }

  private async recover(): Promise<void> {
    if (!this.lost || this.closed) return;
    this.lost = false;
    const channels = [...this.watched.keys()];
    try {
      await Promise.all(channels.map((ch) => this.sub.ssubscribe(this.keys.channelTopic(ch))));
    } catch (err) {
      // The connection dropped again: the next ready event retries.
      this.lost = true;
      this.log.warn({ err: err instanceof Error ? err.message : String(err), channels: channels.length }, 'bus resubscribe failed');
      return;
    }
    this.log.info({ channels: channels.length }, 'bus resubscribed after a reconnect');
    for (const l of this.resetListeners) l();
  }

  watch(channel: string): Promise<void> {
    let p = this.watched.get(channel);
    if (p) return p;
    p = guarded(async () => {
      await this.sub.ssubscribe(this.keys.channelTopic(channel));
    });
    this.watched.set(channel, p);
    // A failed watch is forgotten so that the next one tries again.
    p.catch(() => {
      if (this.watched.get(channel) === p) this.watched.delete(channel);
    });
    return p;
  }

  async unwatch(channel: string): Promise<void> {
    const p = this.watched.get(channel);
    if (!p) return;
    this.watched.delete(channel);
    // A watch that failed left nothing to unsubscribe; one watched again meanwhile stays.
    const subscribed = await p.then(() => true, () => false);
    if (!subscribed || this.watched.has(channel)) return;
    await guarded(async () => {
      await this.sub.sunsubscribe(this.keys.channelTopic(channel));
    });
  }

  onEvent(listener: (ev: BusEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onReset(listener: () => void): void {
    this.resetListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sub.disconnect();
  }
}
