// The store contract suite over the wire: against a real MongoDB when
// MONGO_URL is set, otherwise against the test STAND-IN (mockupdb +
// mongomock, src/testkit/mongo-standin.py), which is not MongoDB. Then what
// only the MongoDB store has: indexes, batched hot-path writes, and
// `unavailable` with health false while the server is unreachable.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runStoreSuite } from './store.suite.ts';
import { createMongoStore, type MongoStore } from './mongo/mongo-store.ts';
import type { MongoStoreOptions } from './store.ts';
import { HaatError } from '../errors.ts';
import { silentLogger } from '../log/logger.ts';
import { freePort } from '../testkit/redis-server.ts';
import { startMongoStandin, standinMissing, type MongoStandin } from '../testkit/mongo-standin.ts';
import { waitFor, withTimeout } from '../testkit/wait.ts';

const realUrl = process.env.MONGO_URL;
const missing = realUrl ? null : standinMissing();
const target = realUrl ? 'MongoDB at MONGO_URL' : 'the MongoDB stand-in (mockupdb + mongomock: not MongoDB)';
const skipStandin = missing !== null && process.env.HAAT_SKIP_STANDIN === '1' ? `skipped (HAAT_SKIP_STANDIN=1): ${missing}` : undefined;
const onlyReal = realUrl ? undefined : 'needs a real MongoDB (set MONGO_URL): the stand-in has no TTL monitor, it drops expired documents on the next access';

let n = 0;
/** Every store of the file, closed in `after`; `ownDbs` are those whose database is dropped there. */
const stores: MongoStore[] = [];
const ownDbs: MongoStore[] = [];

/** A store on a database no other store of this run uses; dropped in `after`. */
async function open(url: string, extra: Partial<MongoStoreOptions> = {}): Promise<MongoStore> {
  const store = createMongoStore({ url, dbName: `haat_test_${process.pid}_${++n}`, serverSelectionTimeoutMs: 2_000, ...extra }, { logger: silentLogger() });
  stores.push(store);
  ownDbs.push(store);
  await store.indexesCreated;
  return store;
}

const isUnavailable = (err: unknown): boolean => err instanceof HaatError && err.code === 'unavailable' && err.temporary;

describe(`store on ${target}`, { timeout: 60_000, ...(skipStandin ? { skip: skipStandin } : {}) }, () => {
  let standin: MongoStandin | undefined;
  let url = realUrl ?? '';
  before(async () => {
    if (missing !== null) throw new Error(`${missing} (HAAT_SKIP_STANDIN=1 skips this file instead)`);
    if (!realUrl) {
      standin = await startMongoStandin();
      url = standin.url;
    }
  });
  after(async () => {
    // A real server keeps what the tests wrote unless dropped; the stand-in forgets it when it stops.
    if (realUrl) for (const s of ownDbs) await s.db.dropDatabase().catch((err: Error) => assert.fail(`drop ${s.db.databaseName}: ${err.message}`));
    await Promise.all(stores.map((s) => s.close()));
    await standin?.stop();
  });

  runStoreSuite(realUrl ? 'mongodb' : 'mongodb stand-in', () => open(url));

  describe('mongodb store specifics', () => {
    it('creates its indexes at start: TTL indexes and the unique message keys', async () => {
      const store = await open(url);
      const indexes = async (name: string) => (await store.db.collection(name).listIndexes().toArray()).map((ix) => ({ name: ix.name as string, ttl: ix.expireAfterSeconds as number | undefined, unique: ix.unique === true }));
      assert.deepEqual((await indexes('realtime_events')).find((ix) => ix.name === 'ttl'), { name: 'ttl', ttl: 0, unique: false });
      assert.deepEqual((await indexes('realtime_notifications')).find((ix) => ix.name === 'ttl'), { name: 'ttl', ttl: 0, unique: false });
      assert.deepEqual((await indexes('connections')).find((ix) => ix.name === 'ttl'), { name: 'ttl', ttl: 86_400, unique: false });
      assert.deepEqual(
        (await indexes('chat_messages')).filter((ix) => ix.unique).map((ix) => ix.name).sort(),
        ['room_idem', 'room_offset'],
      );
    });

    it('batches hot-path writes: 1,000 touches and 1,000 delivery counts take a few bulkWrites, not 2,000 round trips', async () => {
      const store = await open(url, { flushMs: 50, flushOps: 400 });
      const base = { user_id: 'u1', node_id: 'n1', device: {}, connected_at: 1, last_activity: 1, channels: [], location: null, quality: null, status: 'connected' as const, disconnected_at: null };
      await Promise.all(['s1', 's2'].map((id) => store.connections.upsert({ ...base, session_id: id })));
      await store.events.insert({ id: 'e1', event_type: 'x', channel: 'c', data: null, priority: 'normal', ttl_s: 60, created_at: Date.now(), expires_at: Date.now() + 60_000, delivery: { total: 0, delivered: 0, failed: 0 } });
      const before = structuredClone(store.batchStats());
      await Promise.all([
        ...Array.from({ length: 1_000 }, (_, i) => store.connections.touch(i % 2 ? 's1' : 's2', 10 + i)),
        ...Array.from({ length: 1_000 }, () => store.events.addDelivery('e1', { total: 1, delivered: 1 })),
      ]);
      const after = store.batchStats();
      const trips = after.connections.bulkWrites - before.connections.bulkWrites + after.deliveryCounts.bulkWrites - before.deliveryCounts.bulkWrites;
      assert.ok(trips <= 8, `${trips} bulkWrites for 2,000 writes`);
      assert.equal((await store.connections.get('s1'))?.last_activity, 10 + 999);
      assert.equal((await store.connections.get('s2'))?.last_activity, 10 + 998);
      assert.deepEqual((await store.events.get('e1'))?.delivery, { total: 1_000, delivered: 1_000, failed: 0 });
    });

    it('while the server is unreachable: operations fail with unavailable and health is false', async () => {
      const port = await freePort(); // nobody listens there
      const store = createMongoStore({ url: `mongodb://127.0.0.1:${port}/?directConnection=true`, dbName: 'haat_unreachable', serverSelectionTimeoutMs: 300, healthIntervalMs: 100 }, { logger: silentLogger() });
      stores.push(store);
      await assert.rejects(store.presence.get('u1'), isUnavailable);
      await assert.rejects(store.connections.touch('s1', 1), isUnavailable);
      const h = store.health();
      assert.equal(h.ok, false);
      assert.match(h.detail, /unreachable/);
    });

    it('health turns false when the server goes away and operations answer unavailable', { skip: realUrl ? 'kills the server: runs on the stand-in only' : undefined }, async () => {
      const own = await startMongoStandin();
      try {
        const store = await open(own.url, { serverSelectionTimeoutMs: 300, healthIntervalMs: 100 });
        await store.presence.get('u1');
        assert.equal(store.health().ok, true, store.health().detail);
        await own.kill();
        await assert.rejects(store.presence.get('u1'), isUnavailable);
        await waitFor(() => store.health(), (h) => !h.ok, { timeoutMs: 5_000, what: 'health false after the server died' });
      } finally {
        await own.stop();
      }
    });

    it('a store started while the server is down becomes ready once it answers (indexes made, health ok)', { skip: realUrl ? 'needs a server it can start: runs on the stand-in only' : undefined }, async () => {
      const port = await freePort();
      const store = createMongoStore({ url: `mongodb://127.0.0.1:${port}/?directConnection=true`, dbName: 'haat_late', serverSelectionTimeoutMs: 300, healthIntervalMs: 100 }, { logger: silentLogger() });
      stores.push(store);
      await assert.rejects(store.presence.get('u1'), isUnavailable);
      assert.equal(store.health().ok, false);
      const late = await startMongoStandin({ port });
      try {
        await withTimeout(store.indexesCreated, { timeoutMs: 10_000, what: 'indexes once the server is up' });
        await waitFor(() => store.health(), (h) => h.ok, { timeoutMs: 5_000, what: 'health ok once the server is up' });
        assert.equal(await store.presence.get('u1'), null);
      } finally {
        await store.close();
        await late.stop();
      }
    });

    it('TTL index removes expired events (MongoDB TTL monitor, up to about 60 s)', { skip: onlyReal, timeout: 120_000 }, async () => {
      const store = await open(url);
      const now = Date.now();
      await store.events.insert({ id: 'old', event_type: 'x', channel: 'c', data: null, priority: 'low', ttl_s: 1, created_at: now - 2_000, expires_at: now - 1_000, delivery: { total: 0, delivered: 0, failed: 0 } });
      await waitFor(() => store.events.get('old'), (e) => e === null, { timeoutMs: 110_000, what: 'the TTL monitor to remove the event' });
    });
  });
});
