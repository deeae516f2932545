import type { FrameRing } from './frame-ring.ts';

// The history of one channel: epoch, gap-free offsets, recent events (bounded
// by count and age), and the idempotency keys of recent publishes. The
// channel actor is its only writer; the engine keeps it so that it survives
// the actor's restarts (a new epoch means it was lost).

export interface LoggedEvent {
  offset: number;
  id: string;
  /** The encoded `event` frame, exactly as subscribers receive it. */
  frame: string;
  at: number;
  expiresAt: number;
}

export interface PublishAnswer {
  id: string;
  offset: number;
  epoch: string;
}

export interface ChannelLog {
  readonly channel: string;
  readonly epoch: string;
  offset: number;
  /** The newest events (at most the history size), oldest first. */
  history: FrameRing;
  /** Insertion-ordered, so the oldest key is first (TTL is the same for all). */
  dedupe: Map<string, { answer: PublishAnswer; at: number }>;
  /** Nodes with local subscribers: only they are handed the channel's events. */
  watchers: Set<string>;
}
