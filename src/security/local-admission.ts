// Admission counted in this process: right for one node, and the fallback
// until connection counts live in the engine.
import type { Admission, AdmissionVerdict } from './admission.ts';

export interface AdmissionLimits {
  maxConnectionsPerUser: number;
  maxConnectionsPerIp: number;
}

// Loopback is exempt from the IP limit: local proxies, health checks, benches.
const LOOPBACK = /^(127\.|::1$|0000:0000:0000:0000:0000:0000:0000:0001$|::ffff:127\.|0000:0000:0000:0000:0000:ffff:7f)/;

export function isLoopback(ip: string): boolean {
  return LOOPBACK.test(ip);
}

export class LocalAdmission implements Admission {
  private readonly perUser = new Map<string, number>();
  private readonly perIp = new Map<string, number>();

  constructor(private readonly limits: AdmissionLimits) {}

  admit(userId: string | null, ip: string): Promise<AdmissionVerdict> {
    return Promise.resolve(this.admitNow(userId, ip));
  }

  admitNow(userId: string | null, ip: string): AdmissionVerdict {
    if (userId !== null && (this.perUser.get(userId) ?? 0) >= this.limits.maxConnectionsPerUser) return 'user_limit';
    const countsIp = !isLoopback(ip);
    if (countsIp && (this.perIp.get(ip) ?? 0) >= this.limits.maxConnectionsPerIp) return 'ip_limit';
    if (userId !== null) this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
    if (countsIp) this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    return 'admitted';
  }

  release(userId: string | null, ip: string): void {
    if (userId !== null) decrement(this.perUser, userId);
    if (!isLoopback(ip)) decrement(this.perIp, ip);
  }

  /** Connections counted for a user (for tests and ops). */
  countOf(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }
}

function decrement(m: Map<string, number>, key: string): void {
  const n = (m.get(key) ?? 1) - 1;
  if (n <= 0) m.delete(key);
  else m.set(key, n);
}
