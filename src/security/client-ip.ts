// The address a connection or request is counted under (per-IP connection
// limits, upgrade rates, security events). Behind a balancer every peer is
// the balancer: with its address listed in `gateway.trustedProxies`
// (HAAT_TRUSTED_PROXIES), the client's address is read from the
// X-Forwarded-For it sends (ops/nginx.conf sets it), walking the list from
// the right past listed proxies, as nginx's realip module does. The header of
// a peer that is not listed is ignored: anyone can write one. A listed proxy
// that sends none is counted as itself, and like loopback it is exempt from
// the per-IP connection limit (PROTOCOL.md §9: "loopback and listed proxies
// exempt from the IP limit").
import { isIP } from 'node:net';

// Loopback is exempt from the per-IP limit: local proxies, health checks, benches.
const LOOPBACK = /^(127\.|::1$|0000:0000:0000:0000:0000:0000:0000:0001$|::ffff:127\.|0000:0000:0000:0000:0000:ffff:7f)/;

export function isLoopback(ip: string): boolean {
  return LOOPBACK.test(ip);
}

/** One spelling per address: IPv4 dotted (also for IPv4-mapped IPv6), IPv6 as eight lower-case groups of four digits. */
export function canonicalIp(text: string): string {
  const ip = text.trim();
  const kind = isIP(ip);
  if (kind === 4 || kind === 0) return ip;
  const [head, tail] = ip.toLowerCase().split('::') as [string, string | undefined];
  const groupsOf = (s: string | undefined): string[] => {
    if (s === undefined || s === '') return [];
    const out: string[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        // An embedded IPv4 tail (::ffff:1.2.3.4): two groups.
        const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
        out.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
      } else out.push(g);
    }
    return out;
  };
  const h = groupsOf(head);
  const t = groupsOf(tail);
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const full = groups.map((g) => g.padStart(4, '0'));
  if (full.slice(0, 5).every((g) => g === '0000') && full[5] === 'ffff') {
    const v4 = parseInt(full[6]!, 16) * 65536 + parseInt(full[7]!, 16);
    return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  }
  return full.join(':');
}

export class ClientIps {
  private readonly proxies: ReadonlySet<string>;

  /** @param trustedProxies addresses of the balancers in front of this node (validated by the config schema) */
  constructor(trustedProxies: readonly string[]) {
    this.proxies = new Set(trustedProxies.map(canonicalIp));
  }

  /** The address to count: the peer's, or behind a listed proxy the nearest address X-Forwarded-For names that is not one. */
  of(peer: string, forwardedFor: string): string {
    const ip = canonicalIp(peer);
    if (!this.proxies.has(ip) || forwardedFor === '') return ip;
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = canonicalIp(hops[i]!);
      if (isIP(hop) === 0) return ip; // garbled: the proxy is all that is known
      if (!this.proxies.has(hop)) return hop;
    }
    return ip;
  }

  /** Whether the per-IP connection limit counts `ip` (an address `of` answered): loopback and listed proxies are exempt. */
  limits(ip: string): boolean {
    return !isLoopback(ip) && !this.proxies.has(ip);
  }
}
