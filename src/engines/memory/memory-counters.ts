// Counters and token buckets of one process, on an injected clock.
import type { CounterEngine } from '../counters.ts';
import { HaatError } from '../../errors.ts';
import type { Clock } from '../../time/clock.ts';
import { AgeOrderedMap } from '../../age-ordered-map.ts';

interface Counter {
  value: number;
  expiresAt: number;
}

interface Bucket {
  tokens: number;
  at: number;
  expiresAt: number;
}

export class MemoryCounters implements CounterEngine {
  // Age-ordered (age-ordered-map.ts): every write moves its key to the newest place, so the oldest writes,
  // the first to expire, are at the front, and the sweep reaches them in constant steps.
  private readonly counters = new AgeOrderedMap<string, Counter>();
  private readonly buckets = new AgeOrderedMap<string, Bucket>();

  constructor(private readonly clock: Clock) {}

  async add(key: string, by: number, ttlMs: number): Promise<number> {
    const now = this.clock.now();
    const c = this.live(this.counters, key, now);
    const value = (c?.value ?? 0) + by;
    this.counters.set(key, { value, expiresAt: now + ttlMs });
    this.sweep(now);
    return value;
  }

  async get(key: string): Promise<number> {
    return this.live(this.counters, key, this.clock.now())?.value ?? 0;
  }

  async take(key: string, rate: number, burst: number): Promise<number> {
    checkBucket(rate, burst);
    const now = this.clock.now();
    const b = this.live(this.buckets, key, now) ?? { tokens: burst, at: now, expiresAt: 0 };
    let tokens = now > b.at ? Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000) : b.tokens;
    let wait = 0;
    if (tokens >= 1) tokens -= 1;
    else wait = Math.max(1, Math.ceil(((1 - tokens) * 1000) / rate));
    this.buckets.set(key, { tokens, at: Math.max(now, b.at), expiresAt: now + Math.ceil((burst * 1000) / rate) + 1000 });
    this.sweep(now);
    return wait;
  }

  async takeUpTo(key: string, rate: number, burst: number, want: number): Promise<{ taken: number; waitMs: number }> {
    checkBucket(rate, burst);
    if (!Number.isInteger(want) || want < 1) throw new HaatError('bad_request', `takeUpTo needs a whole number of tokens >= 1, got ${want}`);
    const now = this.clock.now();
    const b = this.live(this.buckets, key, now) ?? { tokens: burst, at: now, expiresAt: 0 };
    let tokens = now > b.at ? Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000) : b.tokens;
    const taken = Math.min(want, Math.floor(tokens));
    let waitMs = 0;
    if (taken >= 1) tokens -= taken;
    else waitMs = Math.max(1, Math.ceil(((1 - tokens) * 1000) / rate));
    this.buckets.set(key, { tokens, at: Math.max(now, b.at), expiresAt: now + Math.ceil((burst * 1000) / rate) + 1000 });
    this.sweep(now);
    return { taken: Math.max(0, taken), waitMs };
  }

  private live<T extends { expiresAt: number }>(map: AgeOrderedMap<string, T>, key: string, now: number): T | undefined {
    const v = map.get(key);
    if (v && v.expiresAt <= now) {
      map.delete(key);
      return undefined;
    }
    return v;
  }

  /** Expired keys go when touched; this bounds the ones never touched again (a few per add). */
  private sweep(now: number): void {
    for (const map of [this.counters, this.buckets] as AgeOrderedMap<string, { expiresAt: number }>[]) {
      for (let n = 0; n < 4; n++) {
        const oldest = map.oldest();
        if (oldest === undefined || oldest[1].expiresAt > now) break;
        map.dropOldest();
      }
    }
  }
}

/** A bucket that never refills or holds no token is a caller's mistake, not a wait. */
function checkBucket(rate: number, burst: number): void {
  if (!(rate > 0) || !(burst >= 1)) throw new HaatError('bad_request', `token bucket needs rate > 0 and burst >= 1, got rate ${rate}, burst ${burst}`);
}
