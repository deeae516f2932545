import type { Priority, Since, JoinAnswer, PublishAnswer } from './rules.ts';

export type ChannelMessage =
  /** `data_json`: the data encoded once by the gateway (see PublishInput). */
  /** `via`: set when the publish came through a node's mailbox (the same on a second handling after a takeover). */
  | { type: 'publish'; event_type: string; data_json: string; priority: Priority; ttl_s?: number; dedupe?: string; via?: string }
  /** A join also makes `node` a watcher: it has (or is about to have) a local subscriber. */
  | { type: 'join'; node: string; since?: Since }
  /** `node` has no local subscriber left. */
  | { type: 'unwatch'; node: string }
  /** `node` has local subscribers (sent again after the channel's host thread was replaced). */
  | { type: 'watch'; node: string }
  | { type: 'info' };

export type { JoinAnswer, PublishAnswer };

/** A channel actor's answer to `publish`. */
export type PublishResult = PublishAnswer & { duplicate: boolean };

/** What a channel actor emits to the gateway once per sequenced event (memory engine). */
export interface SequencedEvent {
  k: 'event';
  channel: string;
  epoch: string;
  offset: number;
  frame: string;
  at: number;
}

export function channelAddress(channel: string): string {
  return `channel:${channel}`;
}
