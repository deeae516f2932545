// Channel history as engine verbs (DESIGN.md §1, after Centrifuge's Broker):
// the domain never holds a mutable log object. A channel actor is the single
// writer of its channel; it numbers each event itself and appends it with an
// explicit offset, which the engine refuses unless it is exactly the next
// one of the same epoch (so a stale writer cannot append, Redis itself says no).

export interface StreamPosition {
  /** Opaque, non-empty; changes only when the channel's history was lost. */
  epoch: string;
  /** Offset of the newest event, 0 when the channel has none. */
  offset: number;
}

export interface HistoryEntry {
  offset: number;
  /** The encoded `event` frame, exactly as subscribers receive it. */
  frame: string;
  /** Sequencing time and expiry (ms since the epoch). */
  at: number;
  expiresAt: number;
}

export interface HistoryBounds {
  /** At most this many entries are kept. */
  maxLen: number;
  /** Entries (and the idempotency keys) older than this are gone. */
  ttlMs: number;
}

export interface AppendRequest {
  /** The epoch the writer numbered under. */
  epoch: string;
  /** Must be the stream's offset + 1. */
  offset: number;
  frame: string;
  at: number;
  expiresAt: number;
  /** Idempotency: a key seen within its TTL returns its stored answer and appends nothing. */
  dedupe?: { key: string; answer: string; ttlMs: number };
}

export type AppendOutcome =
  | { kind: 'appended' }
  | { kind: 'duplicate'; answer: string }
  /** Another writer appended (or the history was lost): reload `top` and renumber. */
  | { kind: 'stale'; top: StreamPosition };

export interface SinceResult {
  top: StreamPosition;
  /**
   * Entries after `since.offset`, oldest first, when the history still holds
   * every one of them for that epoch; undefined when it does not (recovered:false).
   */
  entries: HistoryEntry[] | undefined;
}

/** Sync for the memory engine (the hot path pays no promise), async for Redis. */
export type Maybe<T> = T | Promise<T>;

export interface ChannelHistory {
  /**
   * True when `append` also publishes the event to the nodes interested in the
   * channel (Redis: one Lua script numbers, appends and publishes). False for
   * the memory engine, whose channel actor hands events to the gateway itself.
   */
  readonly publishesOnAppend: boolean;
  /** The channel's epoch and newest offset; starts a new epoch when it has none. */
  top(channel: string): Maybe<StreamPosition>;
  append(channel: string, req: AppendRequest, bounds: HistoryBounds): Maybe<AppendOutcome>;
  /** The stored answer of an idempotency key, if it is still remembered. */
  dedupeAnswer(channel: string, key: string): Maybe<string | undefined>;
  readSince(channel: string, since: StreamPosition, now: number): Maybe<SinceResult>;
  /** Drops the channel's history and keys; the next `top` starts a new epoch. */
  drop(channel: string): Maybe<void>;
  /**
   * The channel's actor went idle with no node watching: an engine that keeps
   * history in process memory lets it go if it holds nothing worth keeping (no
   * unexpired event or idempotency key). Engines whose keys expire by
   * themselves (Redis) need not implement it.
   */
  forgetIfEmpty?(channel: string, now: number): void;
}
