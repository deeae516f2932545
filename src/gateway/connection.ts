// Per-connection state, kept in uWS's user data.
import type { WebSocket } from 'uWebSockets.js';
import type { Principal } from './principal.ts';
import type { TokenBucket } from './rate-limit.ts';

export type Lang = 'en' | 'bn';
export type NetHint = '2g' | '3g' | '4g' | 'wifi' | undefined;

export interface ConnState {
  sessionId: string;
  principal: Principal;
  lang: Lang;
  net: NetHint;
  ip: string;
  /** Channels subscribed on this connection. */
  channels: Set<string>;
  /** Channels with a join in flight (count against the channel limit); allocated only while one is. */
  joining: Set<string> | undefined;
  bucket: TokenBucket;
  userBucket: TokenBucket | undefined;
  messagesPerSecond: number;
  floodWindowStart: number;
  floodCount: number;
  connectedAt: number;
  /** Counted against the per-user and per-IP limits (close() undoes it). */
  admitted: boolean;
  closed: boolean;
}

export type Socket = WebSocket<ConnState>;
