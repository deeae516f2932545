// Every actor kind haat runs; each host thread loads this module once, with
// its own slice of the node's config (never the whole of it: no secrets).
import type { Behaviour } from '../actors/behaviour.ts';
import type { ChannelsConfig } from '../config/schema.ts';
import type { EngineSpec } from '../engines/engine.ts';
import { channelBehaviour } from './channel/actor.ts';
import { createHostHistory } from '../engines/host-engine.ts';

/** What a host thread is given: the settings its behaviours need, and which engine to build. */
export interface HostSlice {
  channels: ChannelsConfig;
  engine: EngineSpec;
}

export function createBehaviours(config: unknown): Behaviour<any, any, any>[] {
  const slice = config as HostSlice; // built and validated by the main thread (node.ts)
  const history = createHostHistory(slice.engine);
  const channel = channelBehaviour({ history, limits: slice.channels, idleMs: slice.channels.idleMs });
  return [channel];
}
