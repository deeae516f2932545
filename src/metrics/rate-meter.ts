// Per-second rates from plain counters, sampled once a second (for GET stats).
export class RateMeter<K extends string> {
  private last: Record<K, number>;
  private rates: Record<K, number>;
  private readonly timer: NodeJS.Timeout;

  constructor(read: () => Record<K, number>, periodMs = 1000) {
    this.last = read();
    this.rates = Object.fromEntries(Object.keys(this.last).map((k) => [k, 0])) as Record<K, number>;
    let lastAt = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      const cur = read();
      const secs = Math.max(0.001, (now - lastAt) / 1000);
      for (const k of Object.keys(cur) as K[]) this.rates[k] = Math.round((cur[k] - this.last[k]) / secs);
      this.last = cur;
      lastAt = now;
    }, periodMs);
    this.timer.unref();
  }

  rate(k: K): number {
    return this.rates[k];
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
