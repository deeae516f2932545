// A node given MONGO_URL runs on the MongoDB store: GET info names it, GET
// health reports it and answers 503 while MongoDB is unreachable. Runs on
// the test stand-in (mockupdb + mongomock: not MongoDB), which it kills.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from './testkit/node.ts';
import { startMongoStandin, standinMissing, type MongoStandin } from './testkit/mongo-standin.ts';
import { waitFor } from './testkit/wait.ts';

const missing = standinMissing();
const skip = missing !== null && process.env.HAAT_SKIP_STANDIN === '1' ? `skipped (HAAT_SKIP_STANDIN=1): ${missing}` : undefined;

test('a node on the MongoDB store (stand-in): info says mongodb, health ok, then 503 while it is unreachable', { timeout: 30_000, ...(skip ? { skip } : {}) }, async () => {
  if (missing !== null) throw new Error(`${missing} (HAAT_SKIP_STANDIN=1 skips this test instead)`);
  let standin: MongoStandin | undefined;
  let node: TestNode | undefined;
  try {
    standin = await startMongoStandin();
    node = await startTestNode({ store: { mongoUrl: standin.url } }, { mongo: { serverSelectionTimeoutMs: 300, healthIntervalMs: 100 } });
    const n = node;
    const health = async () => {
      const res = await fetch(n.http('/api/v1/realtime/health'));
      return { status: res.status, body: (await res.json()) as { status: string; checks: { store: string } } };
    };
    assert.equal(node.store.kind, 'mongodb');
    const ok = await waitFor(health, (h) => h.status === 200, { timeoutMs: 10_000, what: 'health 200 once the store made its indexes' });
    assert.match(ok.body.checks.store, /^ok \(mongodb/);
    const admin = await token({ sub: 'ops', roles: ['admin'] });
    const info = (await (await fetch(node.http('/api/v1/realtime/info'), { headers: { authorization: `Bearer ${admin}` } })).json()) as { store: string };
    assert.equal(info.store, 'mongodb');

    await standin.kill();
    const down = await waitFor(health, (h) => h.status === 503, { timeoutMs: 10_000, what: 'health 503 once MongoDB is gone' });
    assert.match(down.body.checks.store, /unreachable/);
  } finally {
    await node?.stop();
    await standin?.stop();
  }
});
