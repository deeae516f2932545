import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEngine } from '../engines/memory/memory-engine.ts';
import { silentLogger } from '../log/logger.ts';
import type { AdminSnapshot } from './collector.ts';
import { AdminPublisher } from './publisher.ts';

/** A collector that answers a numbered snapshot after its first reading (as the real one does). */
function fakeCollector(node: string) {
  let readings = 0;
  return {
    resets: 0,
    async collect(): Promise<AdminSnapshot | undefined> {
      readings++;
      return readings === 1 ? undefined : ({ v: 1, node, at: readings } as unknown as AdminSnapshot);
    },
    reset() {
      readings = 0;
      this.resets++;
    },
  };
}

test('a single node publishes only while an admin is subscribed here, and its rates restart after a pause', async () => {
  let watchers = 0;
  const published: AdminSnapshot[] = [];
  const collector = fakeCollector('n1');
  const p = new AdminPublisher({ collector, localWatchers: () => watchers, publish: async (s) => published.push(s), logger: silentLogger() });
  await p.tick();
  assert.equal(published.length, 0, 'nobody watches: nothing published');
  watchers = 1;
  await p.tick(); // the first reading
  await p.tick();
  await p.tick();
  assert.deepEqual(published.map((s) => s.at), [2, 3]);
  watchers = 0;
  await p.tick();
  assert.equal(published.length, 2);
  assert.equal(collector.resets, 2, 'a pause forgets the previous reading');
  watchers = 1;
  await p.tick();
  await p.tick();
  assert.deepEqual(published.map((s) => s.at), [2, 3, 2], 'after the pause, one reading first, then snapshots again');
});

test('in a cluster a node with no admin of its own publishes while another node holds the lease', async () => {
  const engine = createMemoryEngine({ now: () => Date.now() });
  const published: string[] = [];
  let watchersOnA = 0;
  const a = new AdminPublisher({ collector: fakeCollector('a'), localWatchers: () => watchersOnA, counters: engine.counters, publish: async (s) => published.push(s.node), logger: silentLogger() });
  const b = new AdminPublisher({ collector: fakeCollector('b'), localWatchers: () => 0, counters: engine.counters, publish: async (s) => published.push(s.node), logger: silentLogger() });
  await b.tick();
  await b.tick();
  assert.deepEqual(published, [], 'no lease: b stays quiet');
  watchersOnA = 1;
  for (let i = 0; i < 2; i++) {
    await a.tick();
    await b.tick();
  }
  assert.deepEqual(published, ['a', 'b'], 'both publish their own snapshot once each has a previous reading');
  await engine.close();
});

test('a failing publish is logged and the next period tries again', async () => {
  let fail = true;
  const published: string[] = [];
  const p = new AdminPublisher({
    collector: fakeCollector('n1'),
    localWatchers: () => 1,
    publish: async (s) => {
      if (fail) throw new Error('channel actor busy');
      published.push(s.node);
    },
    logger: silentLogger(),
  });
  await p.tick();
  await p.tick();
  assert.equal(p.published, 0);
  fail = false;
  await p.tick();
  assert.equal(p.published, 1);
});
