import type { Logger } from 'pino';
import type { Store, StoreSpec } from './store.ts';
import { createMemoryStore } from './memory/memory-store.ts';
import { createMongoStore } from './mongo/mongo-store.ts';

/** The store the spec names. MongoDB: returns at once; health says when it is reachable. */
export function createStore(spec: StoreSpec, deps: { logger: Logger }): Store {
  switch (spec.kind) {
    case 'memory':
      return createMemoryStore(spec.retention ? { retention: spec.retention } : {});
    case 'mongodb':
      return createMongoStore(spec, deps);
  }
}
