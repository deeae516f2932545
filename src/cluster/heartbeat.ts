// How a node's heartbeats are sent: the membership service reads views from a
// Heartbeat and builds the ring from them, whoever does the beating.
// local-heartbeat.ts beats from the calling thread's event loop (the memory
// engine, and the loop inside the beat thread); thread-heartbeat.ts beats
// from a worker thread of its own, so that a main thread that is only busy
// does not look dead to the other nodes (DESIGN.md §1).
import type { MemberInfo, MembershipView } from '../engines/membership.ts';

/** What the node tells the others with each beat. */
export type BeatInfo = Omit<MemberInfo, 'heartbeatAt'>;

export type BeatOutcome =
  | {
      ok: true;
      view: MembershipView;
      /** Set when the previous answered beat was longer ago than deadMs: the others may have taken this node's actors over. */
      silentMs?: number;
    }
  | { ok: false; error: string };

export interface Heartbeat {
  /** Starts beating; `onBeat` gets every attempt's outcome. Resolves after the first attempt, answered or not. */
  start(onBeat: (outcome: BeatOutcome) => void): Promise<void>;
  /** Stops beating and leaves the ring at once (drain); resolves with the view after leaving. */
  leave(): Promise<MembershipView>;
  /** Stops beating (the others find this node dead after deadMs). */
  stop(): Promise<void>;
  /**
   * When the engine last answered a beat (ms since the epoch, as
   * monotonicEpochMs), read as it is now: for the beat thread, not when the
   * main thread got round to reading the outcome.
   */
  lastAnsweredAt(): number;
}

/** Milliseconds since the epoch from the monotonic clock: comparable between threads, unmoved by wall-clock steps. */
export function monotonicEpochMs(): number {
  return performance.timeOrigin + performance.now();
}
