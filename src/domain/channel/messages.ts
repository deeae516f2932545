import type { Priority, Since, JoinAnswer } from './rules.ts';
import type { PublishAnswer } from './log.ts';

export type ChannelMessage =
  | { type: 'publish'; event_type: string; data: unknown; priority: Priority; ttl_s?: number; dedupe?: string }
  | { type: 'join'; since?: Since }
  | { type: 'info' };

export type { JoinAnswer, PublishAnswer };

/** What a channel actor emits to the gateway once per sequenced event. */
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
