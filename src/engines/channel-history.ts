// Channel history as engine verbs (DESIGN.md §1, after Centrifuge's Broker):
// the domain never holds a mutable log object. Two ways to write:
// - `appendNext`: the engine numbers the event itself, in the same atomic step
//   that appends it (and, Redis, publishes it), so any writer may append and
//   two writers can neither reuse an offset nor leave a gap. This is how
//   events are published (Centrifuge's broker_history_add_stream.lua).
// - `append`: a writer that numbered the event itself gives the offset, which
//   the engine refuses unless it is exactly the next one of the same epoch (a
//   stale writer cannot append; Redis itself says no).

/**
 * How long a quiet channel keeps its epoch and last offset after its history
 * emptied (every event aged out, no idempotency key left): an hour, in both
 * engines (Redis keeps its meta key that long). Events ageing out is not a
 * lost history (PROTOCOL.md §4): within this a client that missed nothing
 * resumes recovered:true, and the next event continues the numbering.
 */
export const QUIET_POSITION_KEPT_MS = 3_600_000;

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

/**
 * An event the engine numbers (`appendNext`). The stored frame is
 * `frame[0] + epoch + frame[1] + offset + frame[2]`: the event frame is
 * encoded once by the writer, with two holes the engine fills.
 */
export interface NextAppendRequest {
  frame: readonly [string, string, string];
  /** The event's id, kept in the idempotency answer. */
  id: string;
  at: number;
  expiresAt: number;
  /** Idempotency: a key seen within its TTL returns its stored answer and appends nothing. */
  dedupe?: { key: string; ttlMs: number };
}

/**
 * The answer `appendNext` stores under an idempotency key, exactly
 * `{"id":"<id>","offset":<offset>,"epoch":"<epoch>"}` (ids and epochs never
 * need escaping): the same text for both writers, so a retry is recognised
 * whichever way its first attempt went.
 */
export function dedupeAnswerText(id: string, offset: number, epoch: string): string {
  return `{"id":"${id}","offset":${offset},"epoch":"${epoch}"}`;
}

export type NextAppendOutcome =
  /** `frame`: the stored frame, where the engine built it in this process (memory). */
  | { kind: 'appended'; epoch: string; offset: number; frame?: string }
  /** `answer`: the first append's, as dedupeAnswerText wrote it (or as `append` was given it). */
  | { kind: 'duplicate'; answer: string };

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
  /** Numbers the event as the channel's next (starting an epoch if it has none) and appends it. */
  appendNext(channel: string, req: NextAppendRequest, bounds: HistoryBounds): Maybe<NextAppendOutcome>;
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
