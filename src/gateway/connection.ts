// Per-connection state, kept in uWS's user data.
import type { WebSocket } from 'uWebSockets.js';
import type { AdmissionVerdict } from '../security/admission.ts';
import type { FloodCounter } from '../security/flood.ts';
import type { TokenBucket } from '../security/token-bucket.ts';
import type { RateBucket } from '../security/user-rates.ts';
import type { RateClass } from '../security/user-rate.ts';
import type { Principal } from './principal.ts';
import type { Carrier, LeanClass } from '../network/profiles.ts';
import type { LeanEvent } from '../network/event-meta.ts';
import type { ClassifierState } from '../network/link-classifier.ts';
import type { Division } from '../time/divisions.ts';
import type { ConnAnalytics } from '../metrics/analytics.ts';

export type Lang = 'en' | 'bn';
export type NetHint = '2g' | '3g' | '4g' | 'wifi' | undefined;
export type DeviceHint = 'android' | 'ios' | 'web' | undefined;

export interface ConnState extends FloodCounter, Omit<ConnAnalytics, 'lean' | 'channels'> {
  sessionId: string;
  principal: Principal;
  lang: Lang;
  net: NetHint;
  /** `carrier=` of the upgrade (§1), when given. */
  carrier: Carrier | undefined;
  /** The heartbeat this connection was told: the carrier's when shorter than the node's. */
  heartbeatMs: number;
  /** When the peer last sent anything (a frame or a pong): the heartbeat counts silence from it. */
  heardAt: number;
  /** Heartbeat pings sent since then (link-monitor.ts closes the peer after two went unanswered). */
  pingsUnanswered: number;
  /** Lean mode (§6); undefined for a normal connection, whose events come from uWS topics. */
  lean: LeanConn | undefined;
  /** permessage-deflate was negotiated at the upgrade (lean by hint only): frames go out compressed. */
  deflate: boolean;
  /** What the link monitor measured; allocated when the connection is first sampled. */
  link: LinkState | undefined;
  /** Bytes written to this socket by the gateway itself (not by topic publishes), for the drain estimate. */
  bytesDirect: number;
  /** `device=android|ios|web` of the upgrade (§1), when given. */
  device: DeviceHint;
  /** Where the device is: `division=` of the upgrade, else the token's claim (prayer times; Dhaka when neither). */
  division?: Division;
  ip: string;
  /**
   * Channels subscribed on this connection: NO_SUBSCRIPTIONS (shared) until the
   * first one, which the hub replaces by a set of the connection's own. An
   * empty Set costs ~180 bytes, and many connections never subscribe.
   */
  channels: ReadonlySet<string>;
  /** join_channel requests in flight; allocated only while one is. */
  joins: Set<PendingJoin> | undefined;
  /**
   * Channels not subscribed yet that joins in flight have been granted, with
   * the number of those joins: they count against max_channels until the joins
   * end. Allocated only while there are some.
   */
  reserved: Map<string, number> | undefined;
  bucket: TokenBucket;
  userBucket: RateBucket | undefined;
  rateClass: RateClass;
  /** When the last `rate_limited` burst of this connection went to the security log. */
  rateLimitedReportedAt: number;
  connectedAt: number;
  /** The upgrade's admission verdict; `open` closes with 4029 unless admitted. */
  admission: AdmissionVerdict;
  /** Counted by admission; close() gives the count back. */
  admitted: boolean;
  closed: boolean;
}

/**
 * What uWS keeps per socket. uWS copies the user data's own properties onto
 * its WebSocket object; past a few properties that object drops into
 * dictionary mode (about 1.3 KB per socket, and a hash lookup for every read
 * of the state on every frame), so the state rides as one property.
 */
export interface SocketData {
  readonly state: ConnState;
}

export type Socket = WebSocket<SocketData>;

/** The connection state of a socket. */
export function stateOf(ws: Socket): ConnState {
  return ws.getUserData().state;
}

/** One join_channel in flight. */
export interface PendingJoin {
  /** Channels of the request still wanted: a leave_channel meanwhile removes them. */
  readonly wanted: Set<string>;
  /** Channels this join holds a place for (see ConnState.reserved). */
  readonly reserved: Set<string>;
}

/** A lean connection's delivery state (see lean-delivery.ts). */
export interface LeanConn {
  cls: LeanClass;
  windowMs: number;
  /** Asked for with `net=` (hint) or decided by the link monitor (measured). */
  source: 'hint' | 'measured';
  /** Per channel, the offset of the last event written to this connection. */
  readonly last: Map<string, number>;
  /** Low priority events held back while the link is busy, oldest first. */
  held: LeanEvent[];
}

/** The link monitor's per-connection readings (see link-monitor.ts). */
export interface LinkState {
  classifier: ClassifierState;
  /** When the outstanding probe ping was sent (undefined: none outstanding). */
  pingSentAt: number | undefined;
  /** RTT of the last probe that came back. */
  rttMs: number | undefined;
  sampledAt: number;
  bufferedAtSample: number;
  /** Bytes handed to the socket (topics plus direct) up to the last sample. */
  writtenAtSample: number;
}

/** The subscriptions of every connection that has none: never mutated (the hub gives a connection a set of its own first). */
export const NO_SUBSCRIPTIONS: ReadonlySet<string> = new Set<string>();
