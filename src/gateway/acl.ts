// The channel table of PROTOCOL.md §3: names, who may join, who may publish.
import type { Principal } from './principal.ts';
import { isServer } from './principal.ts';

const NAME = /^([a-z]+):([A-Za-z0-9_.-]{1,128})$/;
export const PUBLIC_NAMESPACES = new Set(['product', 'category', 'auction', 'sale', 'promo']);
const NAMESPACES = new Set([...PUBLIC_NAMESPACES, 'user', 'order', 'chat', 'admin']);

export interface ChannelName {
  readonly namespace: string;
  readonly id: string;
}

// Every publish and join parses its channel's name, and names repeat (a
// shopper's few channels, a seller's products): valid names are kept, so that
// a repeat costs one map lookup instead of the match, its array and its
// substrings. Bounded: emptied when full, so random names cannot grow it.
const PARSED = new Map<string, ChannelName>();
const PARSED_MAX = 4096;

export function parseChannel(name: unknown): ChannelName | undefined {
  if (typeof name !== 'string') return undefined;
  const kept = PARSED.get(name);
  if (kept !== undefined) return kept;
  const m = NAME.exec(name);
  if (!m || !NAMESPACES.has(m[1]!)) return undefined;
  const parsed: ChannelName = Object.freeze({ namespace: m[1]!, id: m[2]! });
  if (PARSED.size >= PARSED_MAX) PARSED.clear();
  PARSED.set(name, parsed);
  return parsed;
}

/** The token's `channels` claim: exact names, or prefixes ending in `*`. */
export function claimCovers(claims: readonly string[], channel: string): boolean {
  for (const c of claims) {
    if (c === channel) return true;
    if (c.endsWith('*') && channel.startsWith(c.slice(0, -1))) return true;
  }
  return false;
}

/** `ask_room`: the room actor decides (its participants), unless a channel token grants it first. */
export type JoinVerdict = 'allow' | 'forbidden' | 'needs_channel_token' | 'ask_room';

export function mayJoin(p: Principal, ch: ChannelName, channel: string): JoinVerdict {
  if (PUBLIC_NAMESPACES.has(ch.namespace)) return 'allow';
  if (p.userId === null) return 'forbidden'; // guests: public channels only
  switch (ch.namespace) {
    case 'user':
      return ch.id === p.userId ? 'allow' : 'forbidden';
    case 'order':
      return claimCovers(p.channels, channel) ? 'allow' : 'needs_channel_token';
    case 'admin':
      return p.roles.has('admin') ? 'allow' : 'forbidden';
    case 'chat':
      // Room membership lives in the room actor; the `channels` claim and a
      // channel token still let a server-made grant in without asking it.
      return claimCovers(p.channels, channel) ? 'allow' : 'ask_room';
    default:
      return 'forbidden';
  }
}

/**
 * broadcast_event: publisher and admin on product/category/auction/sale/promo,
 * user and order channels; a seller on the product channels its token's
 * `channels` claim names (its own products). `admin:` is written by the server only.
 */
export function mayBroadcast(p: Principal, ch: ChannelName, channel: string): boolean {
  switch (ch.namespace) {
    case 'admin':
    case 'chat':
      return false;
    case 'user':
    case 'order':
      return isServer(p);
    default:
      if (isServer(p)) return true;
      return ch.namespace === 'product' && p.roles.has('seller') && claimCovers(p.channels, channel);
  }
}

/** send_message outside chat: user channels by server roles (on `chat:` the room actor decides). */
export function maySendMessage(p: Principal, ch: ChannelName): boolean {
  return ch.namespace === 'user' && isServer(p);
}
