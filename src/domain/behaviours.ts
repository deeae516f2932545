// Every actor kind haat runs; each host thread loads this module once, with
// its own slice of the node's config (never the whole of it: no secrets).
import type { Behaviour } from '../actors/behaviour.ts';
import type { ChannelsConfig, CommerceConfig, UsersConfig } from '../config/schema.ts';
import type { EngineSpec } from '../engines/engine.ts';
import { channelBehaviour } from './channel/actor.ts';
import { auctionBehaviour } from './auction/actor.ts';
import { saleBehaviour } from './sale/actor.ts';
import { userBehaviour } from './user/actor.ts';
import { createHostHistory } from '../engines/host-engine.ts';

/** What a host thread is given: the settings its behaviours need, and which engine to build. */
export interface HostSlice {
  channels: ChannelsConfig;
  commerce: CommerceConfig;
  users: UsersConfig;
  engine: EngineSpec;
}

export function createBehaviours(config: unknown): Behaviour<any, any, any>[] {
  const slice = config as HostSlice; // built and validated by the main thread (node.ts)
  const history = createHostHistory(slice.engine);
  const channel = channelBehaviour({ history, limits: slice.channels, idleMs: slice.channels.idleMs });
  const c = slice.commerce;
  const auction = auctionBehaviour({ idempotency: { ttlMs: c.idempotencyTtlMs, max: c.bidIdempotencyMax }, dedupeTtlMs: slice.channels.idempotencyTtlMs, idleMs: c.idleMs });
  const sale = saleBehaviour({ idempotencyTtlMs: c.idempotencyTtlMs, stockConflateMs: c.stockConflateMs, idleMs: c.idleMs });
  const u = slice.users;
  const user = userBehaviour({ offlineGraceMs: u.offlineGraceMs, limits: { queueMax: u.queueMax, historyMax: u.historyMax }, idleMs: u.idleMs });
  return [channel, auction, sale, user];
}
