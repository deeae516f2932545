// networkHints(): what the Network Information API (navigator.connection,
// Chrome/Android WebView; absent in Safari, Firefox and Node) says about the
// link, mapped onto the `net` hint of PROTOCOL.md §1 and §6.

export type Net = '2g' | '3g' | '4g' | 'wifi';

export interface NetworkHints {
  net?: Net;
  /** Estimated round-trip time, ms (navigator.connection.rtt). */
  rtt_ms?: number;
  /** Estimated downlink, Mbit/s. */
  downlink_mbps?: number;
  /** The user asked for reduced data use. */
  save_data?: boolean;
}

interface ConnectionLike {
  effectiveType?: string;
  type?: string;
  rtt?: number;
  downlink?: number;
  saveData?: boolean;
}

export function networkHints(nav: unknown = (globalThis as { navigator?: unknown }).navigator): NetworkHints {
  const c = (nav as { connection?: ConnectionLike } | undefined)?.connection;
  if (!c || typeof c !== 'object') return {};
  const out: NetworkHints = {};
  const eff = c.effectiveType;
  if (c.type === 'wifi' || c.type === 'ethernet') out.net = 'wifi';
  else if (eff === 'slow-2g' || eff === '2g') out.net = '2g';
  else if (eff === '3g') out.net = '3g';
  else if (eff === '4g') out.net = '4g';
  // A link that measures slow is slow, whatever the radio says it is.
  if (out.net === 'wifi' && (eff === 'slow-2g' || eff === '2g')) out.net = '2g';
  if (typeof c.rtt === 'number' && c.rtt > 0) out.rtt_ms = c.rtt;
  if (typeof c.downlink === 'number' && c.downlink > 0) out.downlink_mbps = c.downlink;
  if (c.saveData === true) out.save_data = true;
  return out;
}
