// When a thread should give its heap back (pure: readings in, decision out).
//
// V8 collects old-generation garbage when the heap reaches a limit it sets
// after the previous full collection, up to several times the live heap. A
// node that has just taken a ramp-up of connections (or a host thread that has
// just passivated thousands of actors) then goes quiet: nothing allocates
// enough to reach that limit, so the ramp's garbage stays resident for as
// long as the node is idle (the young generation is bounded apart: host
// threads' by heap.hostYoungGenerationMb, the main thread's by
// NODE_FLAGS; the policy reads the old generation only). Measured on one
// node with 16,667 subscribed connections: the host thread held 73 MB of heap
// for 14 MB of live objects until a full collection, and RSS fell by 46 MB.
// A full collection costs the thread tens of ms, so it is taken only while
// the thread is mostly idle, only when the heap grew by a margin since the
// last one, and at most once an interval.

export interface HeapTrimConfig {
  enabled: boolean;
  /** How often a thread looks at its heap and its event loop. */
  checkMs: number;
  /** Busiest event loop (fraction of the last check interval) at which a trim is still taken. */
  maxUtilization: number;
  /** Growth of the old generation's used or committed bytes since the last trim (or start) that makes a trim worth its pause; also the excess of pages over use that makes it compact. */
  minGrowthBytes: number;
  /** At most one trim per this interval. */
  minIntervalMs: number;
  /**
   * Objects the thread let go of since the last trim (actors passivated) that
   * make a trim worth it even though the heap did not grow: an idle thread
   * allocates nothing, so no collection would ever free them.
   */
  minReleased: number;
}

/** Never trims (a host thread given no policy). */
export const TRIM_OFF: HeapTrimConfig = { enabled: false, checkMs: 1000, maxUtilization: 0, minGrowthBytes: 0, minIntervalMs: 1000, minReleased: 0 };

/** The `heap.trim` section of the config, as the policy reads it. */
export function trimConfigOf(c: { enabled: boolean; checkMs: number; maxUtilization: number; minGrowthMb: number; minIntervalMs: number; minReleased: number }): HeapTrimConfig {
  return { enabled: c.enabled, checkMs: c.checkMs, maxUtilization: c.maxUtilization, minGrowthBytes: Math.round(c.minGrowthMb * 2 ** 20), minIntervalMs: c.minIntervalMs, minReleased: c.minReleased };
}

/** The old generation (every heap space but the young generation's): see oldGeneration in trimmer.ts. */
export interface HeapReading {
  now: number;
  usedBytes: number;
  /** Old-generation pages committed: a full collection frees objects, a compacting one gives their pages back. */
  committedBytes: number;
  /** Event loop utilization over the interval since the previous reading, 0..1. */
  utilization: number;
  /** Objects released since the last trim (see HeapTrimConfig.minReleased). */
  released: number;
}

export interface TrimState {
  /** When the last trim ran (start: when the thread began watching). */
  lastTrimAt: number;
  /** Old generation used right after the last trim (start: when the thread began watching). */
  baselineBytes: number;
  /** Old generation committed right after the last trim (start: when the thread began watching). */
  baselineCommittedBytes: number;
}

export type TrimDecision = { trim: true } | { trim: false; why: 'disabled' | 'too_soon' | 'busy' | 'small_growth' };

export function decideTrim(c: HeapTrimConfig, s: TrimState, r: HeapReading): TrimDecision {
  if (!c.enabled) return { trim: false, why: 'disabled' };
  if (r.now - s.lastTrimAt < c.minIntervalMs) return { trim: false, why: 'too_soon' };
  if (r.utilization > c.maxUtilization) return { trim: false, why: 'busy' };
  const grown = r.usedBytes - s.baselineBytes >= c.minGrowthBytes || r.committedBytes - s.baselineCommittedBytes >= c.minGrowthBytes;
  if (!grown && r.released < c.minReleased) return { trim: false, why: 'small_growth' };
  return { trim: true };
}

/**
 * After a trim's plain full collection: whether the old generation's pages
 * still exceed what it uses by minGrowthBytes, so that a compacting one (which
 * moves the survivors together and gives the rest back, at about twice the
 * pause) is worth it. Before the collection the garbage counts as used, so
 * only this reading tells.
 */
export function shouldCompact(c: HeapTrimConfig, afterPlain: { usedBytes: number; committedBytes: number }): boolean {
  return afterPlain.committedBytes - afterPlain.usedBytes >= c.minGrowthBytes;
}
