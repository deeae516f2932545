// The store contract suite on the memory store (always).
import { runStoreSuite } from './store.suite.ts';
import { createStore } from './create-store.ts';
import { silentLogger } from '../log/logger.ts';

runStoreSuite('memory store', async () => createStore({ kind: 'memory' }, { logger: silentLogger() }));
