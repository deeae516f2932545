// A sale saved whole (before reservations were saved as parts, persisted.ts),
// left in Redis by the previous release, is served by this one: its figures,
// repeats and limits hold, and its first save writes every reservation's part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../../testkit/redis-server.ts';
import { createRedisEngine } from '../../engines/redis/redis-engine.ts';
import { silentLogger } from '../../log/logger.ts';
import { connectAs, startTestNode, token } from '../../testkit/node.ts';
import { restClient } from '../../testkit/commerce.ts';
import { passivatedAt } from '../../testkit/actors.ts';
import { newSale, release, reserve } from './rules.ts';

test('a sale saved whole by the previous release is read, kept, and saved in parts from its next commit', { timeout: 60_000 }, async () => {
  const redis = await startRedisServer();
  const engine = await createRedisEngine([redis.url], { logger: silentLogger() });
  let node: Awaited<ReturnType<typeof startTestNode>> | undefined;
  try {
    const now = Date.now();
    const id = 'old-s1';
    const sale = newSale({ id, title: 'old', startsAt: now - 1000, endsAt: now + 3_600_000, perUserLimit: 2, holdMs: 600_000, skus: [{ sku: 'tee', stock: 5, price: null }] }, now);
    const held = reserve(sale, { user: 'oa', sku: 'tee', qty: 1, clientReqId: 'k1' }, now);
    const gone = reserve(sale, { user: 'oa', sku: 'tee', qty: 1, clientReqId: 'k2' }, now);
    assert.ok(held.kind === 'reserved' && gone.kind === 'reserved');
    assert.equal(release(sale, 'oa', gone.reservation.id, now).kind, 'released');
    // The previous release's shape: no keys on holds and finished reservations, everything in the state.
    const old = JSON.parse(JSON.stringify({ sale })) as { sale: { holds: Record<string, { key?: unknown }>; finished: Record<string, { key?: unknown }> } };
    for (const r of [...Object.values(old.sale.holds), ...Object.values(old.sale.finished)]) delete r.key;
    const [put] = await engine.state.saveMany([{ address: `sale:${id}`, state: old, ringEpoch: 0, expectVersion: 0 }]);
    assert.equal(put?.ok, true);

    node = await startTestNode({ engine: { redisUrl: redis.url }, actors: { workers: 1, passivateSweepMs: 50 }, commerce: { idleMs: 300 } });
    const rest = restClient(node.http);
    const publisher = await token({ sub: 'pub', roles: ['publisher'] });
    assert.deepEqual((await rest.get(`sales/${id}`)).body.skus[0], { sku: 'tee', stock: 5, available: 4, reserved: 1, sold: 0, price: null });
    const oa = await connectAs(node, 'oa');
    const ob = await connectAs(node, 'ob');
    const repeat = await oa.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1, client_req_id: 'k1' });
    assert.equal((repeat.reservation as { id: string }).id, held.reservation.id, 'the old answer to k1');
    // The first commit of this release: ob's reservation, and with it every reservation of the sale in parts.
    const fresh = (await ob.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 1, client_req_id: 'k1' })).reservation as { id: string };
    const saved = await engine.state.load(`sale:${id}`);
    assert.equal((saved?.state as { sale: { reservationsInParts?: boolean; holds?: unknown } }).sale.reservationsInParts, true);
    assert.equal((saved?.state as { sale: { holds?: unknown } }).sale.holds, undefined, 'the holds left the state');
    assert.deepEqual(Object.keys(saved?.parts ?? {}).sort(), [held.reservation.id, gone.reservation.id, fresh.id].map((r) => `r.${r}`).sort());

    await passivatedAt(node.actors, `sale:${id}`);
    assert.deepEqual((await rest.get(`sales/${id}`)).body.skus[0], { sku: 'tee', stock: 5, available: 3, reserved: 2, sold: 0, price: null });
    assert.equal((await oa.request({ type: 'reserve', sale_id: id, sku: 'tee', qty: 2, client_req_id: 'k3' })).code, 'limit_exceeded', 'oa still holds one');
    assert.deepEqual((await oa.request({ type: 'release', sale_id: id, reservation_id: gone.reservation.id })).ok, true, 'the released one is still known');
    assert.equal((await rest.post(`sales/${id}/confirm`, { reservation_id: held.reservation.id }, publisher)).status, 200);
    await Promise.all([oa.close(), ob.close()]);
  } finally {
    await node?.stop();
    await engine.close();
    await redis.stop();
  }
});
