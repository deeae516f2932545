// Cluster membership (DESIGN.md §1): nodes heartbeat; every node reads the
// same member list and ring epoch. The epoch increases on every change of the
// set of live members, so that two owners of an actor under two views can be
// told apart (fencing).

export interface MemberInfo {
  id: string;
  /** Where clients and peers reach it (host:port), for ops. */
  endpoint: string;
  startedAt: number;
  /** Engine-clock time of the last heartbeat (the Redis server's clock, not the node's). */
  heartbeatAt: number;
  connections: number;
  actors: number;
}

export interface MembershipView {
  /** Every member that heartbeated within `forgetMs`, live or not. */
  members: MemberInfo[];
  /** Members whose last heartbeat is within `deadMs`: the ring is built over these. */
  alive: string[];
  /** Increases whenever `alive` changes. */
  ringEpoch: number;
  /** The engine's clock at the time of the view. */
  now: number;
}

export interface MembershipEngine {
  /** Writes this node's entry and returns the view, bumping the epoch if the live set changed. */
  heartbeat(info: Omit<MemberInfo, 'heartbeatAt'>, deadMs: number): Promise<MembershipView>;
  view(deadMs: number): Promise<MembershipView>;
  /** A draining node leaves at once (the epoch moves without waiting for deadMs). */
  leave(id: string, deadMs: number): Promise<MembershipView>;
}
