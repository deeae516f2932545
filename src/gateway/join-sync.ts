// How a join lines up with this node's live events (PROTOCOL.md §4).
// Memory engine: the channel actor's answer and the events it emitted travel
// on one port in order, so nothing needs lining up. Redis engine: events
// arrive over the channel bus, which must be subscribed before the actor is
// asked (or events right after its answer would pass by), and may lag the
// answer (then the node must have delivered up to the answer's offset before
// the connection subscribes, or it would see an older event after
// channels_joined).
import type { StreamPosition } from '../engines/channel-history.ts';

export interface JoinSync {
  /** Resolves once this node receives the channels' live events; undefined when nothing is needed. */
  prepare(channels: readonly string[]): Promise<void> | undefined;
  /** Calls `cb` once this node has delivered the channel's events up to `pos` (synchronously when it has). */
  whenAt(channel: string, pos: StreamPosition, cb: () => void): void;
}

/** One process, one port per host thread: answers and events are already in order. */
export const IN_ORDER: JoinSync = {
  prepare: () => undefined,
  whenAt: (_channel, _pos, cb) => cb(),
};
