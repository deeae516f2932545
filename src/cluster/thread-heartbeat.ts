// Beats through the beat thread (heartbeat-thread.ts says why). The main
// thread pulses it every heartbeatMs with what the beats publish, and its
// busiest paths bump a shared counter (src/threads/liveness.ts); a main thread
// that does neither for cluster.mainHungMs stops the beats too. A beat thread
// that dies is started again after heartbeatMs.
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ClusterConfig } from '../config/schema.ts';
import type { MembershipView } from '../engines/membership.ts';
import type { BeatOutcome, Heartbeat } from './heartbeat.ts';
import { livenessBuffer } from '../threads/liveness.ts';
import { tsWorker } from '../threads/ts-worker.ts';
import type { BeatThreadData, FromBeatThread, Pulse, ToBeatThread } from './heartbeat-messages.ts';

export interface ThreadHeartbeatDeps {
  urls: readonly string[];
  nodeId: string;
  startedAt: number;
  config: Pick<ClusterConfig, 'heartbeatMs' | 'deadMs' | 'mainHungMs'>;
  /** Read at each pulse. */
  pulse: () => Pulse;
  logger: Logger;
  /** Starts the beat thread (default: heartbeat-thread.ts through tsx); tests wrap it to end a thread as a crash would. */
  spawnThread?: (data: BeatThreadData) => Worker;
}

const spawnBeatThread = (data: BeatThreadData): Worker => tsWorker(new URL('./heartbeat-thread.ts', import.meta.url), { workerData: data, name: 'haat-beat' });

/** How long stop() waits for the thread to close its connection before terminating it. */
const STOP_WAIT_MS = 2_000;

export class ThreadHeartbeat implements Heartbeat {
  private worker: Worker | undefined;
  private pulses: NodeJS.Timeout | undefined;
  private restart: NodeJS.Timeout | undefined;
  private stopping = false;
  private onBeat: (o: BeatOutcome) => void = () => undefined;
  private firstBeat: (() => void) | undefined;
  private waiting: ((m: FromBeatThread) => void) | undefined;
  private readonly log: Logger;
  private readonly answeredAt = new BigInt64Array(new SharedArrayBuffer(8));

  constructor(private readonly d: ThreadHeartbeatDeps) {
    this.log = d.logger.child({ mod: 'heartbeat' });
    Atomics.store(this.answeredAt, 0, BigInt(Number.MIN_SAFE_INTEGER));
  }

  lastAnsweredAt(): number {
    return Number(Atomics.load(this.answeredAt, 0));
  }

  start(onBeat: (o: BeatOutcome) => void): Promise<void> {
    this.onBeat = onBeat;
    const first = new Promise<void>((resolve) => (this.firstBeat = resolve));
    this.spawn();
    this.pulses = setInterval(() => this.post({ t: 'pulse', pulse: this.d.pulse() }), this.d.config.heartbeatMs);
    this.pulses.unref();
    return first;
  }

  async leave(): Promise<MembershipView> {
    const answer = await this.exchange({ t: 'leave' }, (m) => m.t === 'left' || m.t === 'leaveFailed');
    await this.stop();
    if (answer?.t === 'left') return answer.view;
    throw new Error(answer?.t === 'leaveFailed' ? answer.error : 'the beat thread is not running');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pulses);
    clearTimeout(this.restart);
    const w = this.worker;
    if (!w) return;
    await this.exchange({ t: 'stop' }, (m) => m.t === 'stopped', STOP_WAIT_MS);
    this.worker = undefined;
    await w.terminate();
  }

  private spawn(): void {
    const data: BeatThreadData = {
      urls: this.d.urls,
      nodeId: this.d.nodeId,
      startedAt: this.d.startedAt,
      config: { heartbeatMs: this.d.config.heartbeatMs, deadMs: this.d.config.deadMs, mainHungMs: this.d.config.mainHungMs },
      first: this.d.pulse(),
      logLevel: this.log.level,
      answeredAt: this.answeredAt.buffer as SharedArrayBuffer,
      liveness: livenessBuffer(),
    };
    const w = (this.d.spawnThread ?? spawnBeatThread)(data);
    w.unref();
    w.on('message', (m: FromBeatThread) => this.received(m));
    w.on('error', (err) => {
      this.log.error({ err }, 'the beat thread failed');
      // Counts as a failed beat: the node reports not ready, and start() does not wait for a beat that will not come.
      this.received({ t: 'beat', outcome: { ok: false, error: `the beat thread failed: ${err.message}` } });
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.waiting?.({ t: 'stopped' });
      if (this.stopping) return;
      this.log.error({ code, restartInMs: this.d.config.heartbeatMs }, 'the beat thread exited: this node is not beating; starting it again');
      this.restart = setTimeout(() => this.spawn(), this.d.config.heartbeatMs);
      this.restart.unref();
    });
    this.worker = w;
  }

  private received(m: FromBeatThread): void {
    if (m.t === 'beat') {
      this.onBeat(m.outcome);
      this.firstBeat?.();
      this.firstBeat = undefined;
      return;
    }
    this.waiting?.(m);
  }

  private post(m: ToBeatThread): void {
    this.worker?.postMessage(m);
  }

  /** Posts `m` and resolves with the first answer `isAnswer` accepts (undefined when the thread is gone or after `withinMs`). */
  private exchange(m: ToBeatThread, isAnswer: (a: FromBeatThread) => boolean, withinMs?: number): Promise<FromBeatThread | undefined> {
    if (!this.worker) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = withinMs === undefined ? undefined : setTimeout(() => finish(undefined), withinMs);
      const finish = (a: FromBeatThread | undefined): void => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(a);
      };
      this.waiting = (a) => {
        if (a.t === 'stopped' || isAnswer(a)) finish(isAnswer(a) ? a : undefined);
      };
      this.post(m);
    });
  }
}
