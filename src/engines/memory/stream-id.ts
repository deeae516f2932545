// Stream ids as Redis makes them (`<ms>-<seq>`, strictly increasing even when
// the clock stands still or steps back), so memory and redis cursors look alike.
import type { Clock } from '../../time/clock.ts';

export class StreamIds {
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  next(): string {
    const now = this.clock.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${this.lastMs}-${this.seq}`;
  }
}

/** Orders two stream ids (negative, 0, positive). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
}
