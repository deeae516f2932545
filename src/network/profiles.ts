// Which treatment a connection gets from its hints (PROTOCOL.md §1 `net=`,
// `carrier=`) and, later, from what its link measures: lean or not, with
// which conflation window, and which heartbeat.
import type { NetworkConfig } from '../config/schema.ts';

export type LeanClass = '2g' | '3g';
export const CARRIERS = ['grameenphone', 'banglalink', 'robi', 'teletalk', 'airtel', 'other'] as const;
export type Carrier = (typeof CARRIERS)[number];

export function isCarrier(v: string | null): v is Carrier {
  return v !== null && (CARRIERS as readonly string[]).includes(v);
}

/** The conflation window of a lean class, the carrier's own when it has one. */
export function windowMsOf(cls: LeanClass, carrier: Carrier | undefined, cfg: NetworkConfig): number {
  const c = carrier === undefined ? undefined : cfg.carriers[carrier];
  if (c) return cls === '2g' ? c.window2gMs : c.window3gMs;
  return cfg.lean[cls].windowMs;
}

/** The heartbeat a connection is told (and pinged at when shorter than the node's). */
export function heartbeatMsOf(carrier: Carrier | undefined, cfg: NetworkConfig, nodeHeartbeatMs: number): number {
  const c = carrier === undefined ? undefined : cfg.carriers[carrier];
  return c ? Math.min(c.heartbeatMs, nodeHeartbeatMs) : nodeHeartbeatMs;
}

/** The lean class a `net=` hint asks for. */
export function hintedClass(net: string | undefined): LeanClass | undefined {
  return net === '2g' || net === '3g' ? net : undefined;
}
