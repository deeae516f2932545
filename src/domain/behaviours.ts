// Every actor kind haat runs; each host thread loads this module once.
import type { Behaviour } from '../actors/behaviour.ts';
import type { Config } from '../config/schema.ts';
import { channelBehaviour } from './channel/actor.ts';
import { MemoryChannelHistory } from '../engines/memory/memory-history.ts';

export function createBehaviours(config: unknown): Behaviour<any, any, any>[] {
  const cfg = config as Config; // validated by the main thread before it started the hosts
  const history = new MemoryChannelHistory(cfg.channels.historySize);
  const channel = channelBehaviour({ history, limits: () => cfg.channels, idleMs: cfg.channels.idleMs });
  return [channel];
}
