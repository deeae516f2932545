// Admission counted in this process: right for one node, and the fallback
// until connection counts live in the engine. A user's open connections are
// counted by the gateway's hub already (`openOf`); only upgrades admitted and
// not yet open are counted here, so a node does not keep a second per-user
// entry for every connected user (about 50 bytes each at 19,000 users).
import type { Admission, AdmissionVerdict } from './admission.ts';
import { ClientIps } from './client-ip.ts';

export interface AdmissionLimits {
  maxConnectionsPerUser: number;
  maxConnectionsPerIp: number;
  /** Listed balancers: exempt from the IP limit like loopback (client-ip.ts). */
  trustedProxies?: readonly string[];
}

export class LocalAdmission implements Admission {
  /** Upgrades admitted whose connection has not opened yet, per user. */
  private readonly upgrading = new Map<string, number>();
  private readonly perIp = new Map<string, number>();
  private readonly ips: ClientIps;

  constructor(
    private readonly limits: AdmissionLimits,
    /** The user's open connections on this node (the hub's count). */
    private readonly openOf: (userId: string) => number,
  ) {
    this.ips = new ClientIps(limits.trustedProxies ?? []);
  }

  admit(userId: string | null, ip: string): Promise<AdmissionVerdict> {
    return Promise.resolve(this.admitNow(userId, ip));
  }

  admitNow(userId: string | null, ip: string): AdmissionVerdict {
    if (userId !== null && this.countOf(userId) >= this.limits.maxConnectionsPerUser) return 'user_limit';
    const countsIp = this.ips.limits(ip);
    if (countsIp && (this.perIp.get(ip) ?? 0) >= this.limits.maxConnectionsPerIp) return 'ip_limit';
    if (userId !== null) this.upgrading.set(userId, (this.upgrading.get(userId) ?? 0) + 1);
    if (countsIp) this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    return 'admitted';
  }

  opened(userId: string | null): void {
    if (userId !== null) decrement(this.upgrading, userId);
  }

  release(userId: string | null, ip: string, wasOpen: boolean): void {
    if (userId !== null && !wasOpen) decrement(this.upgrading, userId);
    if (this.ips.limits(ip)) decrement(this.perIp, ip);
  }

  /** Connections counted for a user: open ones and admitted upgrades (for tests and ops). */
  countOf(userId: string): number {
    return this.openOf(userId) + (this.upgrading.get(userId) ?? 0);
  }
}

function decrement(m: Map<string, number>, key: string): void {
  const n = (m.get(key) ?? 1) - 1;
  if (n <= 0) m.delete(key);
  else m.set(key, n);
}
