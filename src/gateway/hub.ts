// The hub (after Centrifuge's hub.go): this node's connections, by user and by
// session id, and its channel subscriptions. The first local subscriber of a
// channel makes the node watch it, the last one leaving unwatches it (through
// NodeInterest). Events themselves never pass here: uWS topics fan them out.
import type { NodeInterest } from './interest.ts';
import { NO_SUBSCRIPTIONS, stateOf, type ConnState, type Socket } from './connection.ts';
import type { LeanDelivery } from './lean-delivery.ts';
import { SortedStrings } from '../sorted-strings.ts';
import { PagedOrder } from './paged-order.ts';

export class Hub {
  /** Every open connection, in the order they opened. */
  readonly sockets = new Set<Socket>();
  /** A user's one socket, or a Set once they have several (most users have one device: a Set each would cost ~100 bytes). */
  /** The same, paged by position for GET admin/connections (a copy of every socket per page made reading them all quadratic). */
  private readonly openOrder = new PagedOrder<Socket>();
  private readonly byUser = new Map<string, Socket | Set<Socket>>();
  private readonly bySession = new Map<string, Socket>();
  /** The keys of byUser in order, for GET online-users (a sort of every user on each page made paging through them quadratic). */
  private readonly userOrder = new SortedStrings();
  /** Local subscribers per channel. */
  readonly subscribers = new Map<string, number>();
  /** The channels of `subscribers`, paged by position for GET admin/channels (a copy of every channel per page made reading them all quadratic). */
  private readonly channelOrder = new PagedOrder<string>();

  constructor(
    private readonly interest: NodeInterest,
    /** Lean connections are on no uWS topic: their subscriptions live there. */
    private readonly lean: LeanDelivery,
  ) {}

  add(ws: Socket): void {
    const s = stateOf(ws);
    this.sockets.add(ws);
    this.openOrder.add(ws);
    this.bySession.set(s.sessionId, ws);
    const user = s.principal.userId;
    if (user === null) return;
    const held = this.byUser.get(user);
    if (held === undefined) {
      this.byUser.set(user, ws);
      this.userOrder.add(user);
    } else if (held instanceof Set) held.add(ws);
    else if (held !== ws) this.byUser.set(user, new Set([held, ws]));
  }

  /** Forgets a closed connection and its subscriptions (uWS has dropped them from its topics already). */
  remove(ws: Socket): void {
    const s = stateOf(ws);
    if (!this.sockets.delete(ws)) return;
    this.openOrder.delete(ws);
    this.bySession.delete(s.sessionId);
    const user = s.principal.userId;
    if (user !== null) {
      const held = this.byUser.get(user);
      if (held === ws) {
        this.byUser.delete(user);
        this.userOrder.delete(user);
      } else if (held instanceof Set && held.delete(ws) && held.size === 1) this.byUser.set(user, held.values().next().value!);
    }
    if (s.lean) {
      this.lean.removeSocket(ws, s.channels);
      this.lean.closed(s.lean);
    }
    for (const channel of s.channels) this.drop(channel);
    s.channels = NO_SUBSCRIPTIONS;
  }

  /** At most `limit` open connections from position `from` on, in the order they opened, and the position of the next (null: none). */
  socketsFrom(from: number, limit: number): { items: Socket[]; next: number | null } {
    return this.openOrder.page(from, limit);
  }

  /** Users with a connection here, sorted, after `after` (exclusive), at most `limit` (GET online-users). */
  usersAfter(after: string | null, limit: number): string[] {
    return this.userOrder.after(after, limit);
  }

  /** How many connections a user has here. */
  countOf(userId: string): number {
    const held = this.byUser.get(userId);
    return held === undefined ? 0 : held instanceof Set ? held.size : 1;
  }

  /** The open connections of a user (none: empty), as a copy: closing them changes the hub. */
  ofUser(userId: string): Socket[] {
    const held = this.byUser.get(userId);
    return held === undefined ? [] : held instanceof Set ? [...held] : [held];
  }

  session(sessionId: string): Socket | undefined {
    return this.bySession.get(sessionId);
  }

  /**
   * Subscribes `ws` to `channel`, having seen it up to `offset` (the join's);
   * true when it is the channel's first local subscriber (the node then watches it).
   */
  addSub(ws: Socket, channel: string, offset = 0): boolean {
    const s = stateOf(ws);
    if (s.channels.has(channel)) return false;
    if (s.lean) this.lean.subscribe(ws, channel, offset);
    else ws.subscribe(channel);
    ownSubscriptions(s).add(channel);
    const n = (this.subscribers.get(channel) ?? 0) + 1;
    this.subscribers.set(channel, n);
    if (n > 1) return false;
    this.channelOrder.add(channel);
    this.interest.watch(channel);
    return true;
  }

  /** Unsubscribes `ws` from `channel`; true when it was the last local subscriber (the node then unwatches it). */
  removeSub(ws: Socket, channel: string): boolean {
    const s = stateOf(ws);
    if (!s.channels.has(channel)) return false;
    ownSubscriptions(s).delete(channel);
    if (s.lean) this.lean.unsubscribe(ws, channel);
    else ws.unsubscribe(channel);
    return this.drop(channel);
  }

  /**
   * A join asked the channel's actor (which made this node a watcher) but
   * subscribed nobody here: give the interest back unless someone is subscribed.
   */
  settleUnused(channel: string): void {
    if (!this.subscribers.has(channel)) this.interest.unwatch(channel);
  }

  /** At most `limit` channels with local subscribers, from position `from` on (in the order they got their first), and the position of the next (null: none). */
  channelsFrom(from: number, limit: number): { items: [string, number][]; next: number | null } {
    const page = this.channelOrder.page(from, limit);
    return { items: page.items.map((ch) => [ch, this.subscribers.get(ch)!]), next: page.next };
  }

  /** Channels with local subscribers. */
  channels(): IterableIterator<string> {
    return this.subscribers.keys();
  }

  private drop(channel: string): boolean {
    const n = (this.subscribers.get(channel) ?? 1) - 1;
    if (n > 0) {
      this.subscribers.set(channel, n);
      return false;
    }
    this.subscribers.delete(channel);
    this.channelOrder.delete(channel);
    this.interest.unwatch(channel);
    return true;
  }
}

/** The connection's subscriptions as a set it may change: its own, made on the first subscription. */
function ownSubscriptions(s: ConnState): Set<string> {
  if (s.channels === NO_SUBSCRIPTIONS) s.channels = new Set<string>();
  return s.channels as Set<string>;
}
