// Decides from measurements whether a connection's link behaves like 2G/3G
// (PROTOCOL.md §6 "a measured RTT/bandwidth that says the same"). RTT and
// drain rate are read together: a link is slow only when its round trip is
// long AND it fails to drain what it was sent. A loopback benchmark client
// that is merely busy has a sub-millisecond RTT and is never switched, and a
// phone far away that keeps up with its traffic does not need lean mode.
// Hysteresis: several slow samples in a row to enter, several fast ones to leave.

export interface LinkThresholds {
  /** A sample is slow only at or above this RTT... */
  enterRttMs: number;
  /** ...with a backlog that drained slower than this. */
  slowDrainBytesPerS: number;
  /** Over this RTT a slow link gets the 2g window, under it the 3g one. */
  rtt2gMs: number;
  /** A lean link leaves lean mode only after samples under this RTT. */
  exitRttMs: number;
  /** Consecutive samples needed to switch either way. */
  samples: number;
}

export interface LinkSample {
  /** Latest round trip of a ping (ms); undefined when none came back yet. */
  rttMs: number | undefined;
  /** Bytes still in the socket's send buffer now. */
  bufferedBytes: number;
  /** Bytes that left the send buffer per second since the previous sample. */
  drainBytesPerS: number;
}

export type MeasuredClass = '2g' | '3g' | undefined;

export interface ClassifierState {
  measured: MeasuredClass;
  slowRun: number;
  fastRun: number;
}

export const initialClassifier = (): ClassifierState => ({ measured: undefined, slowRun: 0, fastRun: 0 });

/** Next state after one sample; `changed` when the measured class switched. */
export function classify(state: ClassifierState, sample: LinkSample, t: LinkThresholds): { state: ClassifierState; changed: boolean } {
  const rtt = sample.rttMs;
  const slow = rtt !== undefined && rtt >= t.enterRttMs && sample.bufferedBytes > 0 && sample.drainBytesPerS < t.slowDrainBytesPerS;
  const fast = rtt !== undefined && rtt < t.exitRttMs;
  const next: ClassifierState = { measured: state.measured, slowRun: slow ? state.slowRun + 1 : 0, fastRun: fast ? state.fastRun + 1 : 0 };
  if (state.measured === undefined) {
    if (next.slowRun >= t.samples) {
      next.measured = rtt !== undefined && rtt >= t.rtt2gMs ? '2g' : '3g';
      next.slowRun = 0;
      return { state: next, changed: true };
    }
    return { state: next, changed: false };
  }
  if (next.fastRun >= t.samples) {
    next.measured = undefined;
    next.fastRun = 0;
    return { state: next, changed: true };
  }
  return { state: next, changed: false };
}
