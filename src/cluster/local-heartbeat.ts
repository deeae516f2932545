// Beats from this thread's event loop: every heartbeatMs while the engine
// answers, with a capped, jittered backoff while it does not. A beat late
// because the loop was busy is late for the others too; the main thread of a
// clustered node therefore beats through thread-heartbeat.ts instead.
import type { ClusterConfig } from '../config/schema.ts';
import type { MembershipEngine, MembershipView } from '../engines/membership.ts';
import { monotonicEpochMs, type BeatInfo, type BeatOutcome, type Heartbeat } from './heartbeat.ts';

const MAX_BACKOFF_MS = 2000;

export interface LocalHeartbeatDeps {
  nodeId: string;
  engine: MembershipEngine;
  config: Pick<ClusterConfig, 'heartbeatMs' | 'deadMs'>;
  /** Read at each beat; undefined skips the beat (in the beat thread: the main thread is hung). */
  info: () => Omit<BeatInfo, 'id'> | undefined;
  /** ms since the epoch, monotonic (tests inject their own). */
  now?: () => number;
}

export class LocalHeartbeat implements Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private lastOk = -Infinity;
  private inFlight: Promise<void> = Promise.resolve();
  private onBeat: (o: BeatOutcome) => void = () => undefined;
  private readonly now: () => number;

  constructor(private readonly d: LocalHeartbeatDeps) {
    this.now = d.now ?? monotonicEpochMs;
  }

  lastAnsweredAt(): number {
    return this.lastOk;
  }

  start(onBeat: (o: BeatOutcome) => void): Promise<void> {
    this.onBeat = onBeat;
    return this.beatThenSchedule();
  }

  async leave(): Promise<MembershipView> {
    await this.stop();
    return this.d.engine.leave(this.d.nodeId, this.d.config.deadMs);
  }

  /** Resolves once a beat in flight has been answered, so that nothing it writes lands after a leave. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
  }

  private beatThenSchedule(): Promise<void> {
    this.inFlight = this.beat().then(() => this.schedule());
    return this.inFlight;
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    const info = this.d.info();
    if (info === undefined) return;
    const started = this.now();
    try {
      const view = await this.d.engine.heartbeat({ id: this.d.nodeId, ...info }, this.d.config.deadMs);
      const gap = started - this.lastOk;
      this.lastOk = this.now();
      this.failures = 0;
      this.onBeat(Number.isFinite(gap) && gap > this.d.config.deadMs ? { ok: true, view, silentMs: Math.round(gap) } : { ok: true, view });
    } catch (err) {
      this.failures++;
      this.onBeat({ ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const { heartbeatMs } = this.d.config;
    const delay = this.failures === 0 ? heartbeatMs : Math.min(MAX_BACKOFF_MS, heartbeatMs * 2 ** Math.min(this.failures - 1, 4)) * (0.5 + Math.random() / 2);
    this.timer = setTimeout(() => void this.beatThenSchedule(), delay);
    this.timer.unref();
  }
}
