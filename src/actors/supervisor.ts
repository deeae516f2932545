// one_for_one restart intensity, as in OTP: more than `maxRestarts` restarts
// within `withinMs` and the child stays down.

export interface RestartPolicy {
  maxRestarts: number;
  withinMs: number;
}

export type CrashVerdict = 'restart' | 'stop';

/** Records a crash at `now` in `history` (mutated) and says what to do. */
export function onCrash(history: number[], now: number, policy: RestartPolicy): CrashVerdict {
  const horizon = now - policy.withinMs;
  while (history.length > 0 && history[0]! <= horizon) history.shift();
  if (history.length >= policy.maxRestarts) return 'stop';
  history.push(now);
  return 'restart';
}
