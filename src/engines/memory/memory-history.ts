import { nanoid } from 'nanoid';
import { dedupeAnswerText, QUIET_POSITION_KEPT_MS, type AppendOutcome, type AppendRequest, type ChannelHistory, type HistoryBounds, type HistoryEntry, type NextAppendOutcome, type NextAppendRequest, type SinceResult, type StreamPosition } from '../channel-history.ts';
import { FrameRing } from './frame-ring.ts';
import { ChunkPool } from './chunk-pool.ts';
import { AgeOrderedMap } from '../../age-ordered-map.ts';

interface Stream {
  epoch: string;
  offset: number;
  /** Allocated on the first append (its size is the bounds' maxLen then). */
  ring: FrameRing | undefined;
  /** How many of the thread's remembered idempotency keys are this stream's (see `keys`). */
  keys: number;
}

/** An idempotency key's first answer; valid only for the stream it was given in (a dropped channel's keys go with it). */
interface Remembered {
  answer: string;
  expiresAt: number;
  stream: Stream;
}

/** Idempotency keys a host thread remembers for all its channels together, by default. */
export const DEFAULT_IDEMPOTENCY_KEYS_MAX = 250_000;

/**
 * History in the host thread that owns the channel (memory engine). It lives
 * as long as the thread: it survives a channel actor's crash and passivation,
 * not the death of the thread (then the epoch changes, and resuming clients
 * are told recovered:false, as PROTOCOL.md §4 asks). A channel whose history
 * emptied is forgotten when its actor passivates, all but its position (epoch
 * and last offset), kept QUIET_POSITION_KEPT_MS. Synchronous on purpose: the
 * hot path pays no promise.
 */
export class MemoryChannelHistory implements ChannelHistory {
  readonly publishesOnAppend = false;
  private readonly streams = new Map<string, Stream>();
  /** Positions of streams forgotten empty, oldest first: a quiet channel keeps its epoch and numbering (see QUIET_POSITION_KEPT_MS). */
  private readonly quiet = new AgeOrderedMap<string, { epoch: string; offset: number; at: number }>();
  /** One per host thread: every channel's history bytes come from it. */
  private readonly pool = new ChunkPool();
  /**
   * Every channel's idempotency keys (channel NUL key), oldest first. One
   * bound for the thread: bounded by the window alone, keyed publishes at
   * 1,000/s held about a million keys for 15 minutes, and at 10,000/s ten.
   * Past the bound the oldest is forgotten (a retry after that many newer
   * keys is published again).
   */
  private readonly keys = new AgeOrderedMap<string, Remembered>();

  constructor(
    private readonly clock: { now(): number },
    private readonly keysMax = DEFAULT_IDEMPOTENCY_KEYS_MAX,
  ) {}

  top(channel: string): StreamPosition {
    const s = this.open(channel);
    return { epoch: s.epoch, offset: s.offset };
  }

  append(channel: string, req: AppendRequest, bounds: HistoryBounds): AppendOutcome {
    const s = this.open(channel);
    const first = this.seen(s, channel, req.at, req.dedupe?.key);
    if (first !== undefined) return { kind: 'duplicate', answer: first };
    if (req.epoch !== s.epoch || req.offset !== s.offset + 1) return { kind: 'stale', top: { epoch: s.epoch, offset: s.offset } };
    s.ring ??= new FrameRing(bounds.maxLen, this.pool);
    s.ring.push(req.offset, req.frame, req.at, req.expiresAt); // drops the oldest past maxLen
    s.offset = req.offset;
    if (req.dedupe !== undefined) this.remember(s, channel, req.dedupe.key, req.dedupe.answer, req.at + req.dedupe.ttlMs);
    return { kind: 'appended' };
  }

  appendNext(channel: string, req: NextAppendRequest, bounds: HistoryBounds): NextAppendOutcome {
    const s = this.open(channel);
    const first = this.seen(s, channel, req.at, req.dedupe?.key);
    if (first !== undefined) return { kind: 'duplicate', answer: first };
    const offset = s.offset + 1;
    const f = req.frame;
    s.ring ??= new FrameRing(bounds.maxLen, this.pool);
    const frame = f[0] + s.epoch + f[1] + offset + f[2];
    s.ring.push(offset, frame, req.at, req.expiresAt);
    s.offset = offset;
    if (req.dedupe !== undefined) this.remember(s, channel, req.dedupe.key, dedupeAnswerText(req.id, offset, s.epoch), req.at + req.dedupe.ttlMs);
    return { kind: 'appended', epoch: s.epoch, offset, frame };
  }

  dedupeAnswer(channel: string, key: string): string | undefined {
    const s = this.streams.get(channel);
    if (s === undefined || s.keys === 0) return undefined;
    const seen = this.keys.get(keyOf(channel, key));
    return seen !== undefined && seen.stream === s && seen.expiresAt > this.clock.now() ? seen.answer : undefined;
  }

  readSince(channel: string, since: StreamPosition, now: number): SinceResult {
    const s = this.open(channel);
    this.prune(s, now);
    const top = { epoch: s.epoch, offset: s.offset };
    if (since.epoch !== s.epoch || since.offset > s.offset || since.offset < 0) return { top, entries: undefined };
    if (since.offset === s.offset) return { top, entries: [] };
    const oldest = s.ring?.oldestOffset;
    if (s.ring === undefined || oldest === undefined || oldest > since.offset + 1) return { top, entries: undefined };
    const entries: HistoryEntry[] = [];
    for (const e of s.ring.since(since.offset)) {
      if (e.expiresAt <= now) return { top, entries: undefined };
      entries.push({ offset: e.offset, frame: e.frame, at: e.at, expiresAt: e.expiresAt });
    }
    return { top, entries };
  }

  drop(channel: string): void {
    this.streams.get(channel)?.ring?.release();
    this.streams.delete(channel);
    this.quiet.delete(channel);
  }

  forgetIfEmpty(channel: string, now: number): void {
    const s = this.streams.get(channel);
    if (s !== undefined) {
      this.prune(s, now);
      if ((s.ring?.length ?? 0) !== 0 || s.keys !== 0) return;
      this.drop(channel);
      this.quiet.set(channel, { epoch: s.epoch, offset: s.offset, at: now });
    }
    // The oldest positions first: they go once kept long enough.
    for (let o = this.quiet.oldest(); o !== undefined && now - o[1].at >= QUIET_POSITION_KEPT_MS; o = this.quiet.oldest()) this.quiet.dropOldest();
  }

  get size(): number {
    return this.streams.size;
  }

  private open(channel: string): Stream {
    let s = this.streams.get(channel);
    if (!s) {
      const p = this.quiet.get(channel);
      const kept = p !== undefined && this.clock.now() - p.at < QUIET_POSITION_KEPT_MS;
      if (p !== undefined) this.quiet.delete(channel);
      s = kept ? { epoch: p.epoch, offset: p.offset, ring: undefined, keys: 0 } : { epoch: nanoid(8), offset: 0, ring: undefined, keys: 0 };
      this.streams.set(channel, s);
    }
    return s;
  }

  /** Prunes what aged out by `now`, then the stored answer of `key` if it is still remembered. */
  private seen(s: Stream, channel: string, now: number, key: string | undefined): string | undefined {
    this.prune(s, now);
    if (key === undefined || s.keys === 0) return undefined;
    const e = this.keys.get(keyOf(channel, key));
    return e !== undefined && e.stream === s && e.expiresAt > now ? e.answer : undefined;
  }

  private remember(s: Stream, channel: string, key: string, answer: string, expiresAt: number): void {
    const k = keyOf(channel, key);
    const before = this.keys.get(k);
    if (before !== undefined) before.stream.keys--;
    this.keys.set(k, { answer, expiresAt, stream: s });
    s.keys++;
    while (this.keys.size > this.keysMax) this.forgetOldestKey();
  }

  private forgetOldestKey(): void {
    const o = this.keys.oldest();
    if (o === undefined) return;
    o[1].stream.keys--;
    this.keys.dropOldest();
  }

  private prune(s: Stream, now: number): void {
    const ring = s.ring;
    if (ring) for (let exp = ring.oldestExpiresAt(); exp !== undefined && exp <= now; exp = ring.oldestExpiresAt()) ring.dropOldest();
    // Keys expire in age order (one window for every channel): the thread's oldest first, a few per publish.
    if (this.keys.size === 0) return;
    for (let o = this.keys.oldest(); o !== undefined && o[1].expiresAt <= now; o = this.keys.oldest()) this.forgetOldestKey();
  }
}

/** Channel names hold no NUL (gateway/acl.ts), so the first NUL ends the channel. */
function keyOf(channel: string, key: string): string {
  return `${channel}\u0000${key}`;
}
