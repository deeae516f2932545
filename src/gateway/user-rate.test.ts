// Per-user rate limits follow each connection's own role, black-box.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import type { Frame, TestClient } from '../testkit/ws-client.ts';

let node: TestNode;
before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.stop();
});

const burst = (c: TestClient, n: number): Promise<Frame[]> => Promise.all(Array.from({ length: n }, () => c.request({ type: 'ping' })));

test('a publisher token of a user who already has a customer session gets the publisher rate', { timeout: 15_000 }, async () => {
  const customer = await node.connect({ token: await token({ sub: 'dual', roles: ['customer'] }) });
  const publisher = await node.connect({ token: await token({ sub: 'dual', roles: ['publisher'] }) });
  assert.equal((publisher.frames[0]!.limits as { messages_per_second: number }).messages_per_second, 5000);
  const answers = await burst(publisher, 300);
  assert.deepEqual(answers.filter((f) => f.type !== 'pong'), [], 'none of 300 frames is limited at 5,000/s');
  // And the customer session keeps its own, lower limit (burst 40).
  const limited = (await burst(customer, 60)).filter((f) => f.type === 'error');
  assert.ok(limited.length >= 20, `customer limited (${limited.length})`);
  assert.ok(limited.every((f) => f.code === 'rate_limited'));
  await Promise.all([customer.close(), publisher.close()]);
});

test('connections of one user and one role share the user limit', { timeout: 15_000 }, async () => {
  const t = await token({ sub: 'twice', roles: ['customer'] });
  const a = await node.connect({ token: t });
  const b = await node.connect({ token: t });
  // Each connection may send 40 at once, the user 80 across them: 2 x 40 pass, the third 40 do not.
  await burst(a, 40);
  await burst(b, 40);
  const c = await node.connect({ token: t });
  const limited = (await burst(c, 40)).filter((f) => f.type === 'error');
  assert.ok(limited.length >= 20, `the user's third connection is held to the user limit (${limited.length} limited)`);
  await Promise.all([a.close(), b.close(), c.close()]);
});
