// SIGTERM drain hands the node's mailbox off (README "Cluster", drain): an ask
// written to a draining node's mailbox in the moment it leaves the ring, or
// read and not yet acknowledged, goes to the actor's new owner. Before, the
// others took over only a dead node's mailbox: such an ask stayed there, and
// every retry of its idempotency key waited on it (`unavailable`, for good).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startRedisServer } from '../testkit/redis-server.ts';
import { token } from '../testkit/node.ts';
import { actorOwner, connect, startTestCluster } from '../testkit/cluster.ts';
import { isoIn, restClient } from '../testkit/commerce.ts';
import { withTimeout } from '../testkit/wait.ts';

test('SIGTERM of an auction`s owner while a bidder bids from another node: the bids keep being acknowledged, and nothing is left in the drained node`s mailbox', { timeout: 90_000 }, async () => {
  const redis = await startRedisServer();
  const alive = ['n1', 'n2', 'n3'];
  const cluster = await startTestCluster(redis.url, alive);
  try {
    let id = '';
    for (let i = 0; ; i++) if (actorOwner(`auction:pa${i}`, alive) === 'n3') { id = `pa${i}`; break; }
    const bearer = await token({ sub: 'pub', roles: ['publisher'] });
    const rest = restClient((path) => `http://127.0.0.1:${cluster.node('n2').proc.port}${path}`);
    assert.equal((await rest.post('auctions', { id, product_id: 'p1', starting_price: 100, min_increment: 1, starts_at: isoIn(-1000), ends_at: isoIn(60_000) }, bearer)).status, 201);
    const c = await connect(cluster.node('n1'), { sub: 'b1', roles: ['customer'] });
    let amount = 100;
    for (let i = 0; i < 3; i++) assert.equal((await c.request({ type: 'bid', auction_id: id, amount: ++amount, client_bid_id: `x${amount}` })).type, 'reply');
    cluster.node('n3').proc.child.kill('SIGTERM');
    const drainedAt = Date.now();
    const log: string[] = [];
    let lastAck = 0;
    // Bids as a client does: a temporary error is retried with the same client_bid_id.
    while (Date.now() - drainedAt < 6_000) {
      const sent = Date.now();
      const r = await withTimeout(c.request({ type: 'bid', auction_id: id, amount: amount + 1, client_bid_id: `x${amount + 1}` }), { timeoutMs: 12_000, what: 'answer' });
      log.push(`+${sent - drainedAt} ms: ${r.type} ${r.code ?? ''} after ${Date.now() - sent} ms`);
      if (r.type === 'reply') {
        amount++;
        lastAck = Date.now() - drainedAt;
      } else await new Promise((res) => setTimeout(res, Math.min(1000, Number(r.retry_after_ms ?? 100))));
      // A phone's pace, under the customer rate of 20 frames/s.
      await new Promise((res) => setTimeout(res, 60));
    }
    assert.equal(await cluster.node('n3').proc.exited, 0);
    const cli = (...a: string[]): string => execFileSync('redis-cli', ['-p', String(redis.port), ...a]).toString().trim();
    const stranded = Number(cli('XLEN', 'haat:{mb:n3}') || '0');
    assert.ok(lastAck > 4_000, `bids acknowledged again after the drain (last acknowledged at +${lastAck} ms):\n${log.join('\n')}`);
    assert.equal(stranded, 0, 'the drained node`s mailbox was handed off');
    await c.close();
  } finally {
    await cluster.stop();
    await redis.stop();
  }
});
