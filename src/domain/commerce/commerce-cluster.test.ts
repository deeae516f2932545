// Auctions and flash sales on three real nodes over a real redis-server, with
// real faults (PROTOCOL.md §7, §8; DESIGN.md §1 fencing and reminders): the
// owner of a sale or an auction is killed with SIGKILL mid-race, or stopped
// with SIGSTOP until the others declare it dead and then resumed. Clients
// retry temporary failures with the same idempotency key, as the protocol
// tells them to; what was acknowledged must survive, and nothing may be
// accepted twice or against stale state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../../testkit/redis-server.ts';
import { token } from '../../testkit/node.ts';
import { actorOwner, connect, startTestCluster, type ClusterNode, type TestCluster } from '../../testkit/cluster.ts';
import { isoIn, restClient, untilTime } from '../../testkit/commerce.ts';
import { checkBids, checkReservations, type BidRecord, type ReserveRecord } from '../../testkit/linearizability.ts';
import { waitFor, withTimeout } from '../../testkit/wait.ts';
import type { Frame, TestClient } from '../../testkit/ws-client.ts';

const ALIVE = ['n1', 'n2', 'n3'];
const PUBLISHER = { sub: 'pub', roles: ['publisher'] };
// The server answers every ask within askTimeoutMs (5 s); past this the client gives up on the attempt and retries.
const ATTEMPT_MS = 7000;

async function withCluster(body: (cluster: TestCluster) => Promise<void>): Promise<void> {
  const redis = await startRedisServer();
  try {
    const cluster = await startTestCluster(redis.url, ALIVE);
    try {
      await body(cluster);
    } finally {
      await cluster.stop();
    }
  } finally {
    await redis.stop();
  }
}

/** REST on one node, with the publisher's token. */
async function restOn(n: ClusterNode) {
  const bearer = await token(PUBLISHER);
  const rest = restClient((path) => `http://127.0.0.1:${n.proc.port}${path}`);
  return { get: (path: string) => rest.get(path, bearer), post: (path: string, body: unknown) => rest.post(path, body, bearer) };
}

/** An id whose actor (`kind:id`) `owner` owns among `alive`. */
function idOwnedBy(kind: string, prefix: string, owner: string, alive: string[]): string {
  for (let i = 0; ; i++) if (actorOwner(`${kind}:${prefix}${i}`, alive) === owner) return `${prefix}${i}`;
}

interface Definite {
  answer: Frame;
  invokedAt: number;
  completedAt: number;
  /** Attempts answered with a temporary error or not answered in time. */
  retries: number;
}

const isTemporary = (f: Frame): boolean => f.type === 'error' && f.temporary === true && (f.code === 'unavailable' || f.code === 'rate_limited');

/**
 * Sends `frame` (which carries its idempotency key) until it gets a definitive
 * answer: a temporary error (`unavailable`, `rate_limited`) or no answer
 * within ATTEMPT_MS is retried, after the server's retry_after_ms.
 * invokedAt is the first attempt's, as a linearizability check wants.
 */
async function untilDefinite(c: TestClient, frame: Record<string, unknown>, deadline: number): Promise<Definite> {
  const invokedAt = performance.now();
  let retries = 0;
  for (;;) {
    const answer = await withTimeout(c.request(frame), { timeoutMs: ATTEMPT_MS, what: 'an answer' }).catch(() => undefined);
    if (answer !== undefined && !isTemporary(answer)) return { answer, invokedAt, completedAt: performance.now(), retries };
    retries++;
    if (Date.now() > deadline) throw new Error(`no definitive answer to ${JSON.stringify(frame)} before the deadline; last: ${JSON.stringify(answer)}`);
    const after = answer === undefined ? 0 : Math.min(1000, Number(answer.retry_after_ms ?? 100));
    await new Promise((r) => setTimeout(r, after));
  }
}

function bidRecord(amount: number, d: Definite): BidRecord {
  const f = d.answer;
  return {
    invokedAt: d.invokedAt,
    completedAt: d.completedAt,
    amount,
    answer: f.type === 'reply' ? { ok: true, seq: (f.bid as { seq: number }).seq, amount: (f.bid as { amount: number }).amount } : { ok: false, code: String(f.code) },
  };
}

const lowestAcceptable = (f: Frame): number | undefined => {
  const m = /lowest acceptable bid is ([\d.]+)/.exec(String(f.message));
  return m ? Number(m[1]) : undefined;
};

const customers = (ids: string[], nodes: ClusterNode[]): Promise<TestClient[]> => Promise.all(ids.map((sub, i) => connect(nodes[i % nodes.length]!, { sub, roles: ['customer'] })));

test('kill -9 of the sale owner mid-sale: 300 buyers for 100 units, no oversell, every acknowledged reservation kept and confirmable, linearizable', { timeout: 60_000 }, async (t) => {
  await withCluster(async (cluster) => {
    const victim = 'n3';
    const survivors = [cluster.node('n1'), cluster.node('n2')];
    const saleId = idOwnedBy('sale', 'kill-sale-', victim, ALIVE);
    const [rest, rest2] = await Promise.all(survivors.map(restOn));
    const created = await rest!.post('sales', { id: saleId, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000), per_user_limit: 1, hold_s: 600, skus: [{ sku: 'phone', stock: 100 }] });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const buyers: TestClient[] = [];
    for (let i = 0; i < 300; i += 100) buyers.push(...(await customers(Array.from({ length: 100 }, (_, k) => `buyer${i + k}`), survivors)));
    const history: ReserveRecord[] = [];
    const acked: string[] = [];
    let retries = 0;
    let killedAt = 0;
    let firstAckAfterKill = 0;
    const deadline = Date.now() + 40_000;
    // 25 buyers in flight at a time, so that the kill lands among outstanding requests.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < buyers.length) {
        const c = buyers[next++]!;
        const sentAt = Date.now();
        const d = await untilDefinite(c, { type: 'reserve', sale_id: saleId, sku: 'phone', qty: 1, client_req_id: 'buy-1' }, deadline);
        retries += d.retries;
        const f = d.answer;
        if (f.type === 'reply') {
          acked.push((f.reservation as { id: string }).id);
          if (killedAt > 0 && sentAt > killedAt && firstAckAfterKill === 0) firstAckAfterKill = Date.now();
        }
        history.push({ invokedAt: d.invokedAt, completedAt: d.completedAt, qty: 1, answer: f.type === 'reply' ? { ok: true, id: (f.reservation as { id: string }).id } : { ok: false, code: String(f.code) } });
      }
    };
    const race = Promise.all(Array.from({ length: 25 }, worker));
    await waitFor(() => acked.length, (n) => n >= 25, { timeoutMs: 15_000, what: '25 reservations before the kill' });
    cluster.node(victim).proc.child.kill('SIGKILL');
    killedAt = Date.now();
    const ackedAtKill = acked.length;
    await withTimeout(race, { timeoutMs: 45_000, what: 'every buyer to get a definitive answer' });
    t.diagnostic(`${ackedAtKill} reserved before the kill; first reservation sent after the kill acknowledged ${firstAckAfterKill - killedAt} ms after it; ${retries} retried attempts`);

    const codes = new Set(history.filter((h) => !h.answer.ok).map((h) => (h.answer as { code: string }).code));
    assert.deepEqual([...codes], ['sold_out'], 'every buyer got a reservation or sold_out');
    assert.equal(new Set(acked).size, acked.length, 'reservation ids are distinct');
    assert.equal(acked.length, 100, 'exactly the stock was reserved');
    assert.deepEqual(checkReservations(history, 100), []);
    assert.ok(firstAckAfterKill > 0, 'reservations sent after the kill were acknowledged');

    const view = await rest!.get(`sales/${saleId}`);
    assert.equal(view.status, 200, JSON.stringify(view.body));
    const sku = view.body.skus[0] as { stock: number; available: number; reserved: number; sold: number };
    assert.ok(sku.reserved + sku.sold <= sku.stock, JSON.stringify(sku));
    assert.deepEqual(sku, { ...sku, stock: 100, available: 0, reserved: acked.length, sold: 0 }, 'every acknowledged reservation is held');
    // Every acknowledged reservation is still there: the order service can confirm each one.
    const confirms = await Promise.all(acked.map((id, i) => (i % 2 ? rest! : rest2!).post(`sales/${saleId}/confirm`, { reservation_id: id })));
    assert.deepEqual(confirms.filter((c) => c.status !== 200).map((c) => c.body), [], 'every acknowledged reservation confirms');
    const after = (await rest!.get(`sales/${saleId}`)).body.skus[0];
    assert.deepEqual([after.available, after.reserved, after.sold], [0, 0, acked.length]);
    await Promise.all(buyers.map((b) => b.close()));
  });
});

interface Bidding {
  history: BidRecord[];
  acked: { seq: number; amount: number; bidder: string; sentAt: number; ackedAt: number }[];
  retries: number;
  stop: () => Promise<void>;
}

/**
 * Bidders racing on `auctionId`, each bid with its own client_bid_id (retried
 * with it until definitive) a little above the lowest acceptable bid the
 * bidder last heard of, until stop().
 */
function startBidding(auctionId: string, bidders: { name: string; client: TestClient }[], deadline: number, start: number): Bidding {
  const b: Bidding = { history: [], acked: [], retries: 0, stop: async () => {} };
  let stopped = false;
  let lowest = start;
  const loops = bidders.map(async ({ name, client }, k) => {
    for (let n = 0; !stopped; n++) {
      const amount = lowest + (k % 3);
      const sentAt = Date.now();
      const d = await untilDefinite(client, { type: 'bid', auction_id: auctionId, amount, client_bid_id: `${name}-${n}` }, deadline);
      b.retries += d.retries;
      b.history.push(bidRecord(amount, d));
      const f = d.answer;
      if (f.type === 'reply') {
        const bid = f.bid as { seq: number; amount: number };
        b.acked.push({ seq: bid.seq, amount: bid.amount, bidder: name, sentAt, ackedAt: Date.now() });
        lowest = Math.max(lowest, bid.amount + 1);
      } else if (f.code === 'bid_too_low') lowest = Math.max(lowest, lowestAcceptable(f) ?? lowest);
      else throw new Error(`unexpected answer to a bid: ${JSON.stringify(f)}`);
    }
  });
  b.stop = async () => {
    stopped = true;
    await withTimeout(Promise.all(loops), { timeoutMs: 20_000, what: 'the bidders to stop' });
  };
  return b;
}

const top = (acked: Bidding['acked']): Bidding['acked'][number] => acked.reduce((a, x) => (x.amount > a.amount ? x : a));

test('kill -9 of the auction owner mid-auction: no acknowledged bid lost, seqs never reused, and the close comes on time from the new owner', { timeout: 60_000 }, async (t) => {
  await withCluster(async (cluster) => {
    const victim = 'n3';
    const survivors = [cluster.node('n1'), cluster.node('n2')];
    const auctionId = idOwnedBy('auction', 'kill-auction-', victim, ALIVE);
    const rest = await restOn(survivors[1]!);
    const endsAt = Date.now() + 9000;
    const created = await rest.post('auctions', { id: auctionId, product_id: 'p1', starting_price: 100, min_increment: 1, starts_at: isoIn(-1000), ends_at: isoIn(endsAt - Date.now()) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const watcher = await connect(survivors[0]!);
    await watcher.request({ type: 'join_channel', channels: [`auction:${auctionId}`] });
    const names = Array.from({ length: 8 }, (_, i) => `bidder${i}`);
    const clients = await customers(names, survivors);
    const bidding = startBidding(auctionId, names.map((name, i) => ({ name, client: clients[i]! })), endsAt, 100);
    await waitFor(() => bidding.acked.length, (n) => n >= 20, { timeoutMs: 10_000, what: '20 bids before the kill' });
    cluster.node(victim).proc.child.kill('SIGKILL');
    const killedAt = Date.now();
    const sentAfterKill = (): number => bidding.acked.filter((a) => a.sentAt > killedAt).length;
    await waitFor(sentAfterKill, (n) => n >= 10, { timeoutMs: 8000, what: '10 bids sent after the kill to be acknowledged' });
    const firstAfterKill = Math.min(...bidding.acked.filter((a) => a.sentAt > killedAt).map((a) => a.ackedAt));
    await bidding.stop();
    assert.ok(Date.now() < endsAt - 500, 'bidding ended before the auction (the machine is too slow for this test)');
    t.diagnostic(`${bidding.acked.length} bids acknowledged (of ${bidding.history.length}), ${bidding.retries} retried attempts; the first bid sent after the kill was acknowledged ${firstAfterKill - killedAt} ms after it`);

    // Every acknowledged bid is in the auction: one gap-free sequence of seqs with increasing amounts.
    const seqs = bidding.acked.map((a) => a.seq);
    assert.equal(new Set(seqs).size, seqs.length, 'no seq acknowledged twice');
    assert.deepEqual(checkBids(bidding.history, { starting: 100, increment: 1 }), []);
    const best = top(bidding.acked);
    const view = (await rest.get(`auctions/${auctionId}`)).body;
    assert.ok(view.bid_count >= bidding.acked.length, `bid_count ${view.bid_count} covers the ${bidding.acked.length} acknowledged bids`);
    assert.deepEqual([view.bid_count, view.current_price, view.leader_id, view.status], [bidding.acked.length, best.amount, best.bidder, 'open']);
    // Each bid went out once as bid_placed, to a subscriber on a surviving node.
    await waitFor(() => watcher.events(`auction:${auctionId}`).filter((e) => e.event_type === 'bid_placed').length, (n) => n >= view.bid_count, { what: 'every bid_placed' });
    const placed = watcher.events(`auction:${auctionId}`).filter((e) => e.event_type === 'bid_placed').map((e) => (e.data as { seq: number }).seq);
    assert.deepEqual(placed, Array.from({ length: view.bid_count }, (_, i) => i + 1), 'bid_placed once per seq, in order');

    // The close: the reminder (or timer) of the new owner, after ends_at and within a few seconds.
    const closeAt = Date.parse(view.ends_at);
    await untilTime(closeAt);
    const closed = await withTimeout(watcher.next((f) => f.type === 'event' && f.event_type === 'auction_closed'), { timeoutMs: 5000, what: 'auction_closed within 5 s of ends_at' });
    const lateMs = Date.now() - closeAt;
    t.diagnostic(`auction_closed received ${lateMs} ms after ends_at`);
    assert.deepEqual(closed.data, { auction_id: auctionId, winner_id: best.bidder, amount: best.amount, bid_count: bidding.acked.length });
    const final = (await rest.get(`auctions/${auctionId}`)).body;
    assert.deepEqual([final.status, final.winner_id], ['closed', best.bidder]);
    await Promise.all([watcher.close(), ...clients.map((c) => c.close())]);
  });
});

test('SIGSTOP of the auction owner until declared dead, bids on the new owner, then SIGCONT: the resumed node accepts nothing against its stale state and shows the new state', { timeout: 60_000 }, async (t) => {
  await withCluster(async (cluster) => {
    const victim = 'n3';
    const auctionId = idOwnedBy('auction', 'stop-auction-', victim, ALIVE);
    const rest = await restOn(cluster.node('n1'));
    const restOnVictim = await restOn(cluster.node(victim));
    assert.equal((await rest.post('auctions', { id: auctionId, product_id: 'p1', starting_price: 100, min_increment: 1, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000) })).status, 201);
    const [a, b, s] = await customers(['alice', 'bob', 'stale'], [cluster.node('n1'), cluster.node('n2'), cluster.node(victim)]);
    const history: BidRecord[] = [];
    const acked: { seq: number; amount: number; bidder: string }[] = [];
    const deadline = Date.now() + 40_000;
    let n = 0;
    const bid = async (c: TestClient, bidder: string, amount: number): Promise<Frame> => {
      const d = await untilDefinite(c, { type: 'bid', auction_id: auctionId, amount, client_bid_id: `${bidder}-${++n}` }, deadline);
      history.push(bidRecord(amount, d));
      if (d.answer.type === 'reply') acked.push({ ...(d.answer.bid as { seq: number; amount: number }), bidder });
      return d.answer;
    };
    // The victim's client bids first, so the auction's actor is active there with this state.
    for (const [c, who, amount] of [[s!, 'stale', 101], [a!, 'alice', 102], [b!, 'bob', 103]] as const) assert.equal((await bid(c, who, amount)).type, 'reply');

    const victimProc = cluster.node(victim).proc.child;
    victimProc.kill('SIGSTOP');
    const stoppedAt = Date.now();
    try {
      await cluster.waitForRing('n1', ['n1', 'n2'], 10_000);
      await cluster.waitForRing('n2', ['n1', 'n2'], 10_000);
      t.diagnostic(`the stopped ${victim} was declared dead after ${Date.now() - stoppedAt} ms`);
      // The new owner takes bids; the stopped node's copy of the auction is now behind.
      for (const [c, who, amount] of [[a!, 'alice', 110], [b!, 'bob', 120], [a!, 'alice', 130]] as const) assert.equal((await bid(c, who, amount)).type, 'reply', `${who} ${amount}`);
      // A bid the stale state would accept (104 > 103), written while the node is stopped: read on resume.
      const staleFrame = { type: 'bid', auction_id: auctionId, amount: 104, client_bid_id: 'stale-resume' };
      const invokedAt = performance.now();
      const firstAnswer = s!.request(staleFrame);
      victimProc.kill('SIGCONT');
      const first = await withTimeout(firstAnswer, { timeoutMs: ATTEMPT_MS, what: 'the answer of the resumed node' });
      t.diagnostic(`first answer of the resumed node: ${JSON.stringify(first)}`);
      assert.notEqual(first.type, 'reply', 'the resumed node did not accept a bid against its stale state');
      await cluster.waitForRing(victim, ALIVE, 10_000);
      await cluster.waitForRing('n1', ALIVE, 10_000);
      await cluster.waitForRing('n2', ALIVE, 10_000);
      // The resumed node owns the auction again: reads, there and anywhere, show the six acknowledged bids, not the three it held when stopped.
      for (const r of [restOnVictim, rest]) {
        const v = (await r.get(`auctions/${auctionId}`)).body;
        assert.deepEqual([v.bid_count, v.current_price, v.leader_id], [6, 130, 'alice'], 'the current auction, not the stale copy');
      }
      // Retried with the same client_bid_id until definitive: too low against the current price, as the owner sees it.
      const settled = isTemporary(first) ? await untilDefinite(s!, staleFrame, deadline) : { answer: first, invokedAt, completedAt: performance.now(), retries: 0 };
      history.push(bidRecord(104, { ...settled, invokedAt }));
      assert.equal(settled.answer.code, 'bid_too_low', JSON.stringify(settled.answer));
      assert.equal(lowestAcceptable(settled.answer), 131, 'refused against the new owner\'s price (130), not the stale one (103)');
      // Bids through the resumed node and the others continue the one sequence.
      assert.deepEqual((await bid(s!, 'stale', 131)).bid, { seq: 7, amount: 131, leading: true });
      assert.deepEqual((await bid(b!, 'bob', 140)).bid, { seq: 8, amount: 140, leading: true });
    } finally {
      if (victimProc.signalCode === null && victimProc.exitCode === null) victimProc.kill('SIGCONT');
    }
    const view = (await rest.get(`auctions/${auctionId}`)).body;
    const seqs = acked.map((x) => x.seq);
    assert.equal(new Set(seqs).size, seqs.length, 'no seq acknowledged twice');
    assert.deepEqual(checkBids(history, { starting: 100, increment: 1 }), []);
    for (const x of acked) assert.ok(x.amount <= view.current_price && x.seq <= view.bid_count, `acknowledged ${JSON.stringify(x)} is in ${JSON.stringify(view)}`);
    assert.deepEqual([view.bid_count, view.current_price, view.leader_id], [8, 140, 'bob']);
    await Promise.all([a!.close(), b!.close(), s!.close()]);
  });
});
