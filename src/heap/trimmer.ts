// Runs the trim policy (trim-policy.ts) in one thread: the main thread and
// every host thread start their own. The full collection is V8's own `gc`,
// reached without the --expose-gc command-line flag (which would have to be
// given to every way of starting a node) by setting the flag at run time and
// reading `gc` from a new context.
import v8 from 'node:v8';
import vm from 'node:vm';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Clock } from '../time/clock.ts';
import { decideTrim, shouldCompact, type HeapTrimConfig, type TrimState } from './trim-policy.ts';

/** A thread's heap at one check (every checkMs, trimming or not): the `haat_thread_heap_bytes` gauge. */
export interface HeapUse {
  thread: string;
  usedBytes: number;
  committedBytes: number;
}

export interface TrimReport {
  thread: string;
  beforeBytes: number;
  afterBytes: number;
  pauseMs: number;
}

let fullGc: (() => void) | undefined;

function collector(): () => void {
  if (fullGc) return fullGc;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return (fullGc = exposed);
  v8.setFlagsFromString('--expose-gc');
  return (fullGc = vm.runInNewContext('gc') as () => void);
}

/**
 * A full collection that also compacts the old generation. A plain full
 * collection frees objects but leaves the pages they were scattered over
 * committed: after 19,000 sign-ins a host thread kept 60 MB committed for 29 MB
 * used. Compacting moves the survivors together and gives the rest back
 * (in a test: old space 160 MB -> 43 MB, pause 128 ms instead of 55 ms). V8
 * compacts on its own only when it is under memory pressure, so the flag is
 * set for this one collection. Flags are process-wide: another thread's full
 * collection in the same moment compacts too, which costs it time, not memory.
 */
function compactingCollection(): void {
  const gc = collector();
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

export class HeapTrimmer {
  private timer: NodeJS.Timeout | undefined;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly state: TrimState;
  private trims = 0;
  private released = 0;

  constructor(
    private readonly thread: string,
    private readonly config: HeapTrimConfig,
    private readonly clock: Clock,
    private readonly onTrim: (r: TrimReport) => void,
    private readonly onReading?: (r: HeapUse) => void,
  ) {
    // The same measure the checks read (the old generation), or growth would be off by the young generation.
    const h = oldGeneration();
    this.state = { lastTrimAt: clock.now(), baselineBytes: h.used, baselineCommittedBytes: h.committed };
  }

  /** Checks every checkMs: readings always go to onReading; trims only when the policy is enabled. */
  start(): this {
    if (this.timer || (!this.config.enabled && !this.onReading)) return this;
    if (this.config.enabled) collector();
    this.timer = setInterval(() => this.check(), this.config.checkMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The thread let go of `n` objects (passivated actors): garbage the heap's growth does not show. */
  release(n: number): void {
    this.released += n;
  }

  /** Trims done by this thread. */
  get count(): number {
    return this.trims;
  }

  check(): void {
    const current = performance.eventLoopUtilization();
    const elu = performance.eventLoopUtilization(current, this.elu);
    this.elu = current;
    const total = v8.getHeapStatistics();
    const now = this.clock.now();
    this.onReading?.({ thread: this.thread, usedBytes: total.used_heap_size, committedBytes: total.total_heap_size });
    const before = oldGeneration();
    if (!decideTrim(this.config, this.state, { now, usedBytes: before.used, committedBytes: before.committed, utilization: elu.utilization, released: this.released }).trim) return;
    const t0 = performance.now();
    collector()();
    let after = oldGeneration();
    if (shouldCompact(this.config, { usedBytes: after.used, committedBytes: after.committed })) {
      compactingCollection();
      after = oldGeneration();
    }
    const pauseMs = performance.now() - t0;
    this.trims++;
    this.released = 0;
    this.state.lastTrimAt = this.clock.now();
    this.state.baselineBytes = after.used;
    this.state.baselineCommittedBytes = after.committed;
    this.onTrim({ thread: this.thread, beforeBytes: total.used_heap_size, afterBytes: v8.getHeapStatistics().used_heap_size, pauseMs });
  }
}

/**
 * The heap without the young generation. The trim policy looks at this only:
 * the young generation's garbage is a scavenge's job, and its committed size
 * grows back after every full collection (by up to 32 MB on a main thread
 * without NODE_FLAGS), which would otherwise look like growth and
 * trim an idle thread every interval.
 */
function oldGeneration(): { used: number; committed: number } {
  let used = 0;
  let committed = 0;
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') continue;
    used += s.space_used_size;
    committed += s.space_size;
  }
  return { used, committed };
}
