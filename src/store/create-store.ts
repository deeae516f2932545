import type { Logger } from 'pino';
import type { Clock } from '../time/clock.ts';
import type { Store, StoreSpec } from './store.ts';
import { createMemoryStore } from './memory/memory-store.ts';
import { createMongoStore } from './mongo/mongo-store.ts';

/** The store the spec names. MongoDB: returns at once; health says when it is reachable. */
export function createStore(spec: StoreSpec, deps: { logger: Logger; clock?: Clock }): Store {
  switch (spec.kind) {
    case 'memory':
      return createMemoryStore({ ...(spec.retention ? { retention: spec.retention } : {}), ...(deps.clock ? { clock: deps.clock } : {}) });
    case 'mongodb':
      return createMongoStore(spec, deps);
  }
}
