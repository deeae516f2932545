// Connection abuse at the WebSocket upgrade (README "Spam and abuse"): an
// upgrade rate per IP (a token bucket), reconnect storms per IP and per user
// (more than N upgrades within a window: refused, the delay doubling with
// each refusal, capped), and the count of upgrades whose authentication and
// admission are in flight. Pure: the caller gives the time. Loopback is not
// exempt (tests flood from 127.0.0.x); the defaults are far above what one
// address of the test suite opens.
import { TokenBucket } from './token-bucket.ts';
import { AgeOrderedMap } from '../age-ordered-map.ts';

export interface UpgradeGuardConfig {
  upgradesPerSecondPerIp: number;
  upgradeBurstPerIp: number;
  stormWindowMs: number;
  stormMaxUpgradesPerIp: number;
  stormMaxUpgradesPerUser: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxPendingUpgrades: number;
  maxTracked: number;
}

export type UpgradeRefusal = {
  ok: false;
  kind: 'upgrade_rate' | 'reconnect_storm';
  retryAfterMs: number;
  detail: string;
  /** The first refusal of a streak (one security event per streak, not one per refused upgrade). */
  first: boolean;
};
export type UpgradeVerdict = { ok: true } | UpgradeRefusal;

const OK: UpgradeVerdict = { ok: true };

/** Upgrades of one key (an IP or a user) within the current window, and its refusal streak. */
interface Storm {
  windowStart: number;
  count: number;
  /** Refusals in the current streak; the next delay is base x 2^refusals. */
  refusals: number;
  blockedUntil: number;
  lastRefusal: number;
  lastSeen: number;
}

interface IpState {
  storm: Storm;
  bucket: TokenBucket;
  /** When an upgrade_rate refusal was last reported (at most one event per storm window). */
  rateReportedAt: number;
}

export class UpgradeGuard {
  // Age-ordered: past maxTracked every new IP or user forgets the oldest, in constant steps (age-ordered-map.ts).
  private readonly ips = new AgeOrderedMap<string, IpState>();
  private readonly users = new AgeOrderedMap<string, Storm>();
  private pendingCount = 0;
  private checks = 0;
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly c: UpgradeGuardConfig) {}

  /** Before authentication: the IP's reconnect storm, then its upgrade rate. */
  checkIp(ip: string, now: number): UpgradeVerdict {
    if (++this.checks % 1024 === 0) this.sweep(now);
    let s = this.ips.get(ip);
    if (!s) {
      evictOldest(this.ips, this.c.maxTracked);
      this.ips.set(ip, (s = { storm: newStorm(now), bucket: new TokenBucket(this.c.upgradesPerSecondPerIp, this.c.upgradeBurstPerIp, now), rateReportedAt: Number.NEGATIVE_INFINITY }));
    }
    const storm = this.storm(s.storm, this.c.stormMaxUpgradesPerIp, now, `upgrades from this IP`);
    if (!storm.ok) return storm;
    const wait = s.bucket.take(now);
    if (wait === 0) return OK;
    const first = now - s.rateReportedAt >= this.c.stormWindowMs;
    if (first) s.rateReportedAt = now;
    return { ok: false, kind: 'upgrade_rate', retryAfterMs: wait, first, detail: `over ${this.c.upgradesPerSecondPerIp} upgrades/s (burst ${this.c.upgradeBurstPerIp}) from this IP` };
  }

  /** After authentication: the user's reconnect storm (guests are judged by their IP only). */
  checkUser(user: string, now: number): UpgradeVerdict {
    let s = this.users.get(user);
    if (!s) {
      evictOldest(this.users, this.c.maxTracked);
      this.users.set(user, (s = newStorm(now)));
    }
    return this.storm(s, this.c.stormMaxUpgradesPerUser, now, `upgrades of this user`);
  }

  /** Counts an upgrade in flight; false (nothing counted) when maxPendingUpgrades are already. */
  begin(): boolean {
    if (this.pendingCount >= this.c.maxPendingUpgrades) return false;
    this.pendingCount++;
    return true;
  }

  /** An upgrade begun is done (upgraded, refused or abandoned). */
  end(): void {
    this.pendingCount--;
  }

  get pending(): number {
    return this.pendingCount;
  }

  private storm(s: Storm, max: number, now: number, what: string): UpgradeVerdict {
    s.lastSeen = now;
    if (now >= s.blockedUntil) {
      if (now - s.windowStart >= this.c.stormWindowMs) {
        s.windowStart = now;
        s.count = 0;
      }
      // A streak ends after a window without refusals.
      if (now - s.lastRefusal >= this.c.stormWindowMs) s.refusals = 0;
      s.count++;
      if (s.count <= max) return OK;
    }
    // Blocked, or over the limit: refused, and the next refusal waits twice as long.
    const delay = Math.min(this.c.backoffMaxMs, this.c.backoffBaseMs * 2 ** Math.min(s.refusals, 30));
    s.refusals++;
    s.blockedUntil = now + delay;
    s.lastRefusal = now;
    return { ok: false, kind: 'reconnect_storm', retryAfterMs: delay, first: s.refusals === 1, detail: `reconnect storm: over ${max} ${what} within ${this.c.stormWindowMs} ms; refusal ${s.refusals}, retry after ${delay} ms` };
  }

  /**
   * Sweeps at most once a storm window, from the gateway's timer: after a
   * ramp-up nothing upgrades any more, and every user seen would be kept.
   */
  sweepIfDue(now: number): void {
    if (now - this.sweptAt >= this.c.stormWindowMs) this.sweep(now);
  }

  /** Forgets IPs and users that are neither blocked nor seen for a storm window (their buckets are full again by then). */
  sweep(now: number): void {
    this.sweptAt = now;
    const idle = Math.max(this.c.stormWindowMs, this.c.upgradeBurstPerIp / this.c.upgradesPerSecondPerIp * 1000);
    for (const [ip, s] of this.ips) if (now >= s.storm.blockedUntil && now - s.storm.lastSeen >= idle && now - s.storm.lastRefusal >= this.c.stormWindowMs) this.ips.delete(ip);
    for (const [u, s] of this.users) if (now >= s.blockedUntil && now - s.lastSeen >= idle && now - s.lastRefusal >= this.c.stormWindowMs) this.users.delete(u);
  }

  /** IPs and users tracked (for tests and ops). */
  get tracked(): number {
    return this.ips.size + this.users.size;
  }
}

function newStorm(now: number): Storm {
  return { windowStart: now, count: 0, refusals: 0, blockedUntil: Number.NEGATIVE_INFINITY, lastRefusal: Number.NEGATIVE_INFINITY, lastSeen: now };
}

function evictOldest<V>(m: AgeOrderedMap<string, V>, max: number): void {
  while (m.size >= max) m.dropOldest();
}
