// The messages between a node's main thread and its beat thread
// (thread-heartbeat.ts, heartbeat-thread.ts).
import type { ClusterConfig } from '../config/schema.ts';
import type { MembershipView } from '../engines/membership.ts';
import type { BeatInfo, BeatOutcome } from './heartbeat.ts';

/** What the main thread says with each pulse: the figures and address its beats publish. */
export type Pulse = Omit<BeatInfo, 'id' | 'startedAt'>;

export interface BeatThreadData {
  urls: readonly string[];
  nodeId: string;
  startedAt: number;
  config: Pick<ClusterConfig, 'heartbeatMs' | 'deadMs' | 'mainHungMs'>;
  first: Pulse;
  logLevel: string;
  /** One BigInt64: when the engine last answered a beat (ms since the epoch), written by the beat thread. */
  answeredAt: SharedArrayBuffer;
  /** One Int32 the main thread bumps while it works (src/threads/liveness.ts). */
  liveness: SharedArrayBuffer;
}

export type ToBeatThread = { t: 'pulse'; pulse: Pulse } | { t: 'leave' } | { t: 'stop' };

export type FromBeatThread =
  | { t: 'beat'; outcome: BeatOutcome }
  | { t: 'left'; view: MembershipView }
  | { t: 'leaveFailed'; error: string }
  | { t: 'stopped' };
