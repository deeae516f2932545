// Connection limits across a cluster (PROTOCOL.md §9), counted in the engine's
// counters. Each node counts its own connections per user and per address in
// keys of its own (`conn:user:<id>@<node>.<startedAt>`, `conn:ip:<ip>@...`);
// admission adds this node's count (kept here, the truth for this node) to the
// counts the other live nodes published. A node that dies is left out as soon
// as membership calls it dead, whatever its keys still say; the keys' TTL only
// collects the garbage, and the node's incarnation (startedAt) in the key keeps
// a restarted node with the same id from inheriting its old counts.
//
// Races: a connection is counted here before the others are read, so two
// nodes admitting the same user at once can both see the other and both
// refuse one connection near the limit (never both admit one over it).
// While the engine is unreachable connections are refused as unavailable
// (HTTP 503 at the upgrade): the node is not ready then either (health 503,
// no actor of another node reachable), and a flash-sale operator wants
// clients sent to a node that can serve them, not admitted without limits.
import type { Logger } from 'pino';
import type { CounterEngine } from '../engines/counters.ts';
import { HaatError } from '../errors.ts';
import type { Admission, AdmissionVerdict } from './admission.ts';
import type { AdmissionLimits } from './local-admission.ts';
import { ClientIps } from './client-ip.ts';

export interface ClusterAdmissionDeps {
  counters: CounterEngine;
  limits: AdmissionLimits;
  /** This node's incarnation, `<id>.<startedAt>` (undefined before the node is in a cluster). */
  self: () => string | undefined;
  /** Incarnations of the other live (alive or suspect) nodes. */
  peers: () => string[];
  /** The cluster engine answers (membership healthy). */
  ready: () => boolean;
  logger: Logger;
  /** Keys expire this long after their last write (garbage of dead nodes). Default 10 min. */
  ttlMs?: number;
  /** How often counts whose write failed are set right, and keys near their TTL refreshed. Default 1 s. */
  syncMs?: number;
}

interface Held {
  /** This node's connections under the key: the truth, whatever the engine holds. */
  local: number;
  /** A write failed: the engine's value may be off until the next sync. */
  dirty: boolean;
  /** Local time of the last successful write (for the TTL refresh). */
  touchedAt: number;
}

export class ClusterAdmission implements Admission {
  private readonly held = new Map<string, Held>();
  private readonly ttlMs: number;
  private readonly timer: NodeJS.Timeout;
  private syncing = false;
  /** A command failed: Redis may have restarted empty, so the next sync rewrites every count. */
  private outage = false;

  private readonly ips: ClientIps;

  constructor(private readonly d: ClusterAdmissionDeps) {
    this.ips = new ClientIps(d.limits.trustedProxies ?? []);
    this.ttlMs = d.ttlMs ?? 600_000;
    this.timer = setInterval(() => void this.sync(), d.syncMs ?? 1_000);
    this.timer.unref();
  }

  async admit(userId: string | null, ip: string): Promise<AdmissionVerdict> {
    if (!this.d.ready() || this.d.self() === undefined) throw new HaatError('unavailable', 'the cluster engine is unreachable: connection counts cannot be checked; retry', { retryAfterMs: 1000 });
    const { maxConnectionsPerUser, maxConnectionsPerIp } = this.d.limits;
    const userKey = userId === null ? undefined : `conn:user:${userId}`;
    const ipKey = this.ips.limits(ip) ? `conn:ip:${ip}` : undefined;
    // Over the limit on this node alone: no need to ask the engine.
    if (userKey && this.localOf(userKey) >= maxConnectionsPerUser) return 'user_limit';
    if (ipKey && this.localOf(ipKey) >= maxConnectionsPerIp) return 'ip_limit';
    const peers = this.d.peers();
    // Count in first (synchronously, so this node's concurrent admissions see it), then read the others.
    const counted = [userKey, ipKey].filter((k): k is string => k !== undefined);
    for (const k of counted) this.change(k, +1);
    let totals: number[];
    try {
      totals = await Promise.all(counted.map(async (k) => this.localOf(k) + (await this.othersOf(k, peers))));
    } catch (err) {
      this.outage = true;
      for (const k of counted) this.change(k, -1);
      throw err;
    }
    const over = (k: string | undefined, limit: number): boolean => k !== undefined && totals[counted.indexOf(k)]! > limit;
    const verdict: AdmissionVerdict = over(userKey, maxConnectionsPerUser) ? 'user_limit' : over(ipKey, maxConnectionsPerIp) ? 'ip_limit' : 'admitted';
    if (verdict !== 'admitted') for (const k of counted) this.change(k, -1);
    return verdict;
  }

  /** Nothing to do: this node's count includes the connection from its admission on. */
  opened(): void {}

  release(userId: string | null, ip: string): void {
    if (userId !== null) this.change(`conn:user:${userId}`, -1);
    if (this.ips.limits(ip)) this.change(`conn:ip:${ip}`, -1);
  }

  /** This node's connections under a key (for tests and ops). */
  localOf(key: string): number {
    return this.held.get(key)?.local ?? 0;
  }

  /** Rewrites every count at the next sync (the engine came back, perhaps empty). */
  resync(): void {
    this.outage = true;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async othersOf(key: string, peers: readonly string[]): Promise<number> {
    const counts = await Promise.all(peers.map((p) => this.d.counters.get(`${key}@${p}`)));
    return counts.reduce((a, b) => a + Math.max(0, b), 0);
  }

  /** Changes this node's count and publishes the change; a failed write leaves the key dirty for the sync. */
  private change(key: string, by: number): void {
    let h = this.held.get(key);
    if (!h) this.held.set(key, (h = { local: 0, dirty: false, touchedAt: 0 }));
    const delta = Math.max(-h.local, by);
    if (delta === 0) return;
    h.local += delta;
    const held = h;
    this.d.counters.add(`${key}@${this.d.self()}`, delta, this.ttlMs).then(
      () => {
        held.touchedAt = Date.now();
        this.forget(key, held);
      },
      (err: unknown) => {
        if (!held.dirty) this.d.logger.warn({ key, err: (err as Error).message }, 'connection count not written; set right at the next sync');
        held.dirty = true;
        this.outage = true;
      },
    );
  }

  private forget(key: string, h: Held): void {
    if (h.local === 0 && !h.dirty && this.held.get(key) === h) this.held.delete(key);
  }

  /**
   * Sets the engine's counts right where a write failed and refreshes keys
   * nearing their TTL. Redis answers one connection's commands in order, so
   * the value read reflects every change sent before the read, and this
   * node's count taken when the read is sent is what it must equal.
   */
  private async sync(): Promise<void> {
    if (this.syncing || !this.d.ready()) return;
    this.syncing = true;
    const stale = Date.now() - this.ttlMs / 4;
    const all = this.outage;
    this.outage = false;
    try {
      await Promise.all(
        [...this.held].filter(([, h]) => all || h.dirty || h.touchedAt < stale).map(async ([key, h]) => {
          const full = `${key}@${this.d.self()}`;
          const want = h.local;
          try {
            const have = await this.d.counters.add(full, 0, this.ttlMs);
            if (have !== want) await this.d.counters.add(full, want - have, this.ttlMs);
            h.dirty = false;
            h.touchedAt = Date.now();
            this.forget(key, h);
          } catch (err) {
            this.outage = true;
            this.d.logger.debug({ key, err: (err as Error).message }, 'connection count not synced yet');
          }
        }),
      );
    } finally {
      this.syncing = false;
    }
  }
}
