// Channel history, one of the engine's concerns (DESIGN.md §1). The memory
// engine keeps logs in the host thread that owns the channel; the redis
// engine will keep them in streams. Opening a channel whose history is gone
// starts a new epoch with offsets from 0.
import type { ChannelLog } from '../domain/channel/log.ts';

export interface ChannelHistory {
  open(channel: string): ChannelLog | Promise<ChannelLog>;
  /** The channel holds nothing worth keeping (no events, keys or watchers): its log may go. */
  forget(channel: string): void | Promise<void>;
}
