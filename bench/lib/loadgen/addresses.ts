// Source addresses for client connections. One address gives at most ~28k
// ephemeral ports per server port (32768–60999 here), and servers may cap
// connections per IP (haat: gateway.maxConnectionsPerIp, 1,000 by default),
// so connections are spread round-robin over 127.0.0.1, 127.0.0.2, ...
export const EPHEMERAL_PORTS_PER_ADDRESS = 28_000;

export function sourceAddresses(connections: number, perAddress: number): string[] {
  const per = Math.min(perAddress, EPHEMERAL_PORTS_PER_ADDRESS);
  const n = Math.max(1, Math.ceil(connections / per));
  if (n > 254) throw new Error(`${connections} connections at ${per} per address need ${n} addresses; 127.0.0.1–127.0.0.254 is the limit`);
  return Array.from({ length: n }, (_, i) => `127.0.0.${i + 1}`);
}
