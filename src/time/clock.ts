// The clock is injected everywhere time matters so that rules stay pure and
// tests can drive time without patching globals.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const DHAKA_OFFSET_MS = 6 * 60 * 60 * 1000;

let lastMs = Number.NaN;
let lastIso = '';

/** ISO 8601 in Asia/Dhaka (+06:00, no daylight saving), as PROTOCOL.md §2 asks. */
export function toDhakaIso(ms: number): string {
  // Events sequenced in one millisecond share a timestamp: format it once.
  if (ms === lastMs) return lastIso;
  const shifted = new Date(ms + DHAKA_OFFSET_MS).toISOString(); // "....Z" in Dhaka wall time
  lastMs = ms;
  lastIso = `${shifted.slice(0, -1)}+06:00`;
  return lastIso;
}
