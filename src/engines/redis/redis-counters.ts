// Counters (INCRBY + PEXPIRE in one script) and token buckets (Lua on the
// Redis server's clock, so every node shares one notion of time).
import type { CounterEngine } from '../counters.ts';
import { HaatError } from '../../errors.ts';
import type { KeySpace } from './keys.ts';
import { guarded, type ScriptDef } from './connection.ts';

type Run = (name: string, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

// The token bucket's refill on the Redis server's clock, shared by both bucket
// scripts: after it, \`tokens\` is what the bucket holds now (at most burst).
const REFILL = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens, ts = tonumber(b[1]), tonumber(b[2])
if not tokens or not ts then tokens, ts = burst, now end
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end`;

export const COUNTER_SCRIPTS: readonly ScriptDef[] = [
  {
    name: 'haatCounterAdd',
    keys: 1,
    // ARGV: by, ttlMs.
    lua: `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v
`,
  },
  {
    name: 'haatBucketTake',
    keys: 1,
    // ARGV: rate (tokens/s), burst. Answers 0 (taken) or the ms to wait for one token.
    // Hash fields: t = tokens (fractional), ts = time of t (ms, fractional).
    lua: `
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
${REFILL}
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.max(1, math.ceil((1 - tokens) * 1000 / rate)) end
redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'ts', string.format('%.3f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
`,
  },
  {
    name: 'haatBucketTakeUpTo',
    keys: 1,
    // ARGV: rate, burst, want. Answers {taken, wait}: up to `want` whole tokens; wait > 0 only when none was taken.
    lua: `
local rate, burst, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
${REFILL}
local taken = math.min(want, math.floor(tokens))
local wait = 0
if taken >= 1 then tokens = tokens - taken else taken = 0; wait = math.max(1, math.ceil((1 - tokens) * 1000 / rate)) end
redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'ts', string.format('%.3f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {taken, wait}
`,
  },
];

export class RedisCounters implements CounterEngine {
  constructor(
    private readonly run: Run,
    private readonly keys: KeySpace,
    private readonly getKey: (key: string) => Promise<string | null>,
  ) {}

  add(key: string, by: number, ttlMs: number): Promise<number> {
    return guarded(async () => Number(await this.run('haatCounterAdd', [this.keys.counter(key)], [by, ttlMs])));
  }

  get(key: string): Promise<number> {
    return guarded(async () => Number((await this.getKey(this.keys.counter(key))) ?? 0));
  }

  async take(key: string, rate: number, burst: number): Promise<number> {
    checkBucket(rate, burst);
    return guarded(async () => Number(await this.run('haatBucketTake', [this.keys.bucket(key)], [rate, burst])));
  }

  async takeUpTo(key: string, rate: number, burst: number, want: number): Promise<{ taken: number; waitMs: number }> {
    checkBucket(rate, burst);
    checkWant(want);
    return guarded(async () => {
      const [taken, waitMs] = (await this.run('haatBucketTakeUpTo', [this.keys.bucket(key)], [rate, burst, want])) as [number, number];
      return { taken: Number(taken), waitMs: Number(waitMs) };
    });
  }
}

export function checkWant(want: number): void {
  if (!Number.isInteger(want) || want < 1) throw new HaatError('bad_request', `takeUpTo needs a whole number of tokens >= 1, got ${want}`);
}

/** A bucket that never refills or holds no token is a caller's mistake, not a wait. */
function checkBucket(rate: number, burst: number): void {
  if (!(rate > 0) || !(burst >= 1)) throw new HaatError('bad_request', `token bucket needs rate > 0 and burst >= 1, got rate ${rate}, burst ${burst}`);
}
