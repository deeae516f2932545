// Builds, inside a host thread, the engine verbs its actors use, from the
// serialisable spec the composition root chose (threads share no sockets).
import type { ChannelHistory } from './channel-history.ts';
import type { EngineSpec } from './engine.ts';
import { MemoryChannelHistory } from './memory/memory-history.ts';
import { systemClock } from '../time/clock.ts';
import { threadRedisEngine, ThreadRedisHistory } from './redis/thread-engine.ts';

/** `idempotencyMax`: the memory engine's bound on the keys it remembers (config channels.idempotencyMax). */
export function createHostHistory(spec: EngineSpec, idempotencyMax?: number): ChannelHistory {
  switch (spec.kind) {
    case 'memory':
      return new MemoryChannelHistory(systemClock, idempotencyMax);
    case 'redis':
      return new ThreadRedisHistory(threadRedisEngine(spec.urls));
  }
}
