// Source addresses for client connections. One address gives at most ~28k
// ephemeral ports per server port (32768–60999 here), and servers may cap
// connections per IP (haat: gateway.maxConnectionsPerIp, 1,000 by default),
// so connections are spread round-robin over 127.0.0.1, 127.0.0.2, ...
export const EPHEMERAL_PORTS_PER_ADDRESS = 28_000;

// Binding a source address makes the kernel pick the ephemeral port in bind()
// (Node does not set IP_BIND_ADDRESS_NO_PORT), and that search slows down
// sharply as the address's ports fill up, TIME_WAIT included: measured here,
// connects fell from ~1,500/s to ~300/s (100% system time in the client) with
// 10,000 per address. Keep a few thousand per address at most, and let a
// second run in the same bench start at a fresh address (`first`).
export function sourceAddresses(connections: number, perAddress: number, first = 1): string[] {
  const per = Math.min(perAddress, EPHEMERAL_PORTS_PER_ADDRESS);
  const n = Math.max(1, Math.ceil(connections / per));
  if (first + n - 1 > 254) throw new Error(`${connections} connections at ${per} per address from 127.0.0.${first} need ${n} addresses; 127.0.0.254 is the last`);
  return Array.from({ length: n }, (_, i) => `127.0.0.${first + i}`);
}
