// Auctions black-box over WebSocket and REST (PROTOCOL.md §7, §10), on one
// in-process node with two host threads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, startTestNode, token, type TestNode } from '../../testkit/node.ts';
import { nextEvent } from '../../testkit/actors.ts';
import { isoIn, restClient, untilTime } from '../../testkit/commerce.ts';
import { checkBids, type BidRecord } from '../../testkit/linearizability.ts';
import { withTimeout } from '../../testkit/wait.ts';
import type { TestClient, Frame } from '../../testkit/ws-client.ts';

let node: TestNode;
let publisher: string;
let rest: ReturnType<typeof restClient>;
const T = { timeout: 60_000 };

before(async () => {
  node = await startTestNode({ actors: { workers: 2, reminderPollMs: 50, passivateSweepMs: 50 }, commerce: { idleMs: 300 }, gateway: { messagesPerSecond: 1000 } });
  publisher = await token({ sub: 'pub', roles: ['publisher'] });
  rest = restClient(node.http);
});
after(async () => {
  await node.stop();
});

const user = (id: string): Promise<TestClient> => connectAs(node, id);

test('POST auctions answers 201 with the auction; GET shows it to anyone; a duplicate id is 409; bad fields 400; unknown 404', T, async () => {
  const body = { id: 'rest-1', product_id: 'p1', title: 'iPhone 14 Pro', starting_price: 1350.1, min_increment: 0.2, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000), soft_close_s: 30 };
  assert.equal((await rest.post('auctions', body)).status, 401);
  assert.equal((await rest.post('auctions', body, await token({ sub: 'c', roles: ['customer'] }))).status, 403);
  const created = await rest.post('auctions', body, publisher);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(
    { ...created.body, starts_at: undefined, ends_at: undefined },
    { id: 'rest-1', product_id: 'p1', title: 'iPhone 14 Pro', status: 'open', starting_price: 1350.1, min_increment: 0.2, current_price: null, leader_id: null, bid_count: 0, starts_at: undefined, ends_at: undefined, soft_close_s: 30, extend_s: 30, next_min_bid: 1350.1, reserve_met: null, winner_id: null },
  );
  assert.match(created.body.ends_at, /\+06:00$/);
  const got = await rest.get('auctions/rest-1');
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, created.body);
  const dup = await rest.post('auctions', body, publisher);
  assert.deepEqual([dup.status, dup.body.code], [409, 'conflict']);
  const generated = await rest.post('auctions', { ...body, id: undefined }, publisher);
  assert.equal(generated.status, 201);
  assert.match(generated.body.id, /^a_[A-Za-z0-9_-]+$/);

  for (const [bad, field] of [
    [{ ...body, id: 'b1', starting_price: 10.005 }, 'starting_price'],
    [{ ...body, id: 'b2', ends_at: '2026-11-24T21:00:00' }, 'ends_at'],
    [{ ...body, id: 'b3', ends_at: body.starts_at }, 'ends_at'],
    [{ ...body, id: 'b4', min_increment: 0 }, 'min_increment'],
    [{ ...body, id: 'bad id!' }, 'id'],
    [{ ...body, id: 'b5', colour: 'red' }, 'colour'],
  ] as const) {
    const res = await rest.post('auctions', bad, publisher);
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.equal(res.body.code, 'bad_request');
    assert.match(res.body.message, new RegExp(field), res.body.message);
  }
  const missing = await rest.get('auctions/nope');
  assert.deepEqual([missing.status, missing.body.code], [404, 'not_found']);
});

test('bids: errors of §7, exact paisa, guests refused, a repeated client_bid_id answers the first answer', T, async () => {
  await rest.post('auctions', { id: 'bids-1', product_id: 'p1', starting_price: 1350.1, min_increment: 0.2, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000) }, publisher);
  await rest.post('auctions', { id: 'later-1', product_id: 'p1', starting_price: 10, min_increment: 1, starts_at: isoIn(3_600_000), ends_at: isoIn(7_200_000) }, publisher);
  const guest = await node.connect();
  assert.equal((await guest.request({ type: 'bid', auction_id: 'bids-1', amount: 1400 })).code, 'unauthorized');
  const u1 = await user('u1');
  const u2 = await user('u2');
  assert.equal((await u1.request({ type: 'bid', auction_id: 'nope', amount: 1400 })).code, 'auction_not_found');
  assert.equal((await u1.request({ type: 'bid', auction_id: 'later-1', amount: 1400 })).code, 'auction_not_open');
  assert.equal((await u1.request({ type: 'bid', auction_id: 'bids-1', amount: 1350 })).code, 'bid_too_low');
  assert.equal((await u1.request({ type: 'bid', auction_id: 'bids-1', amount: 1350.101 })).code, 'bad_request');
  assert.equal((await u1.request({ type: 'bid', auction_id: 'bids-1', amount: '1400' })).code, 'bad_request');
  const first = await u1.request({ type: 'bid', auction_id: 'bids-1', amount: 1350.1, client_bid_id: 'k1' });
  assert.deepEqual({ ...first, ref: undefined, ends_at: undefined }, { type: 'reply', ok: true, bid: { seq: 1, amount: 1350.1, leading: true }, ends_at: undefined, ref: undefined });
  assert.equal((await u2.request({ type: 'bid', auction_id: 'bids-1', amount: 1350.29 })).code, 'bid_too_low');
  const second = await u2.request({ type: 'bid', auction_id: 'bids-1', amount: 1350.3 });
  assert.deepEqual(second.bid, { seq: 2, amount: 1350.3, leading: true });
  const again = await u1.request({ type: 'bid', auction_id: 'bids-1', amount: 1350.1, client_bid_id: 'k1' });
  assert.deepEqual({ ...again, ref: undefined }, { ...first, ref: undefined }, 'the first answer, although the bid is now too low');
  const view = await rest.get('auctions/bids-1');
  assert.deepEqual([view.body.current_price, view.body.leader_id, view.body.bid_count, view.body.next_min_bid], [1350.3, 'u2', 2, 1350.5]);
  await Promise.all([guest.close(), u1.close(), u2.close()]);
});

test('50 concurrent bidders: one linearizable sequence, the highest bid leads, soft close extends, the close is sent with notifications', T, async () => {
  const id = 'race-1';
  const start = Date.now();
  const endsAt = start + 4000;
  const created = await rest.post('auctions', { id, product_id: 'p9', starting_price: 100, min_increment: 5, starts_at: isoIn(-1000, start), ends_at: isoIn(4000, start), soft_close_s: 1, extend_s: 2 }, publisher);
  assert.equal(created.status, 201);
  const watcher = await node.connect();
  await watcher.request({ type: 'join_channel', channels: [`auction:${id}`] });
  const bidders = await Promise.all(Array.from({ length: 50 }, (_, i) => user(`b${i}`)));
  const history: BidRecord[] = [];
  const bid = async (c: TestClient, amount: number): Promise<Frame> => {
    const invokedAt = performance.now();
    const f = await c.request({ type: 'bid', auction_id: id, amount });
    const completedAt = performance.now();
    history.push({ invokedAt, completedAt, amount, answer: f.type === 'reply' ? { ok: true, seq: (f.bid as { seq: number }).seq, amount: (f.bid as { amount: number }).amount } : { ok: false, code: String(f.code) } });
    return f;
  };
  // Each bidder bids three times, each time 5 to 50 above the price it last heard of.
  await Promise.all(
    bidders.map(async (c, i) => {
      let price = 100;
      for (let k = 0; k < 3; k++) {
        const f = await bid(c, price + 5 * (1 + ((i * 7 + k * 3) % 10)));
        if (f.type === 'reply') price = (f.bid as { amount: number }).amount;
        else if (f.code === 'bid_too_low') price = Number(/lowest acceptable bid is ([\d.]+)/.exec(String(f.message))?.[1] ?? price) - 5;
        else assert.fail(`unexpected answer ${JSON.stringify(f)}`);
      }
    }),
  );
  assert.ok(Date.now() < endsAt - 1000, 'the race ended before the soft-close window (the machine is too slow for this test)');
  assert.deepEqual(checkBids(history, { starting: 100, increment: 5 }), []);
  const accepted = history.filter((h) => h.answer.ok).sort((a, b) => (a.answer as { seq: number }).seq - (b.answer as { seq: number }).seq);
  const top = accepted[accepted.length - 1]!.answer as { seq: number; amount: number };
  const view = await rest.get(`auctions/${id}`);
  assert.equal(view.body.current_price, top.amount);
  assert.equal(view.body.bid_count, accepted.length);
  assert.equal(Date.parse(view.body.ends_at), endsAt - (endsAt % 1), 'no extension yet');

  // The bid_placed events: one per accepted bid, in seq order, with consecutive offsets.
  const placed = await withTimeout(
    (async () => {
      for (;;) {
        const evs = watcher.events(`auction:${id}`).filter((e) => e.event_type === 'bid_placed');
        if (evs.length === accepted.length) return evs;
        await watcher.next((f) => f.type === 'event', watcher.frames.length);
      }
    })(),
    { what: 'every bid_placed event' },
  );
  assert.deepEqual(placed.map((e) => (e.data as { seq: number }).seq), accepted.map((_, i) => i + 1));
  assert.deepEqual(placed.map((e) => e.offset), placed.map((_, i) => (placed[0]!.offset as number) + i));
  assert.deepEqual(Object.keys(placed[0]!.data as object), ['auction_id', 'seq', 'amount', 'bidder_id', 'ends_at']);

  // A bid in the last second moves the end to ends_at + 2 s, from the current end.
  await untilTime(endsAt - 700);
  const leader = view.body.leader_id as string;
  const late = bidders[leader === 'b0' ? 1 : 0]!;
  const lateId = leader === 'b0' ? 'b1' : 'b0';
  const ext = await late.request({ type: 'bid', auction_id: id, amount: top.amount + 5 });
  assert.equal(ext.type, 'reply', JSON.stringify(ext));
  assert.equal(Date.parse(String(ext.ends_at)), endsAt + 2000);
  // The outbid leader is told, by a notification (§5) in its connection's language.
  const outbid = await withTimeout(bidders[Number(leader.slice(1))]!.next((f) => f.type === 'notification' && f.notification_type === 'auction_outbid' && (f.data as { seq: number }).seq === top.seq + 1), { what: 'auction_outbid' });
  assert.equal((outbid.data as { auction_id: string }).auction_id, id);
  assert.equal(outbid.title, "You've been outbid");

  // The close, on time (not before the extended end), with the winner; the winner is told.
  const closed = await withTimeout(watcher.next((f) => f.type === 'event' && f.event_type === 'auction_closed'), { what: 'auction_closed', timeoutMs: 15_000 });
  assert.ok(Date.now() >= endsAt + 2000);
  assert.deepEqual(closed.data, { auction_id: id, winner_id: lateId, amount: top.amount + 5, bid_count: accepted.length + 1 });
  const won = await withTimeout(late.next((f) => f.type === 'notification' && f.notification_type === 'auction_won'), { what: 'auction_won' });
  assert.equal((won.data as { amount: number }).amount, top.amount + 5);
  const after = await bidders[2]!.request({ type: 'bid', auction_id: id, amount: top.amount + 100 });
  assert.equal(after.code, 'auction_closed');
  await Promise.all([watcher.close(), ...bidders.map((b) => b.close())]);
});

test('an auction closes by its reminder with nobody connected, after passivation; an unmet reserve has no winner', T, async () => {
  const id = 'lonely-1';
  const start = Date.now();
  await rest.post('auctions', { id, product_id: 'p2', starting_price: 100, min_increment: 10, reserve_price: 500, starts_at: isoIn(-1000, start), ends_at: isoIn(1500, start) }, publisher);
  const u = await user('lonely-bidder');
  const joined = await u.request({ type: 'join_channel', channels: [`auction:${id}`] });
  const pos = (joined.channels as { epoch: string; offset: number }[])[0]!;
  assert.equal((await u.request({ type: 'bid', auction_id: id, amount: 120 })).type, 'reply');
  await withTimeout(u.next((f) => f.type === 'event' && f.event_type === 'bid_placed'), { what: 'bid_placed' });
  await u.close();
  await nextEvent(node.actors, 'lifecycle', (ev) => ev.address === `auction:${id}` && ev.kind === 'passivated');
  await untilTime(start + 1500);
  // Nobody is connected and the actor is passivated: only the reminder can close it. A client coming back replays what it missed.
  const back = await user('lonely-bidder');
  const closed = await withTimeout(
    (async () => {
      for (;;) {
        const j = await back.request({ type: 'join_channel', channels: [`auction:${id}`], since: { [`auction:${id}`]: pos } });
        await back.request({ type: 'leave_channel', channels: [`auction:${id}`] });
        const replay = back.events(`auction:${id}`).find((e) => e.event_type === 'auction_closed');
        if (replay) return { j, replay };
      }
    })(),
    { what: 'auction_closed in the history', timeoutMs: 10_000 },
  );
  assert.equal((closed.j.channels as { recovered: boolean }[])[0]!.recovered, true);
  assert.deepEqual(closed.replay.data, { auction_id: id, winner_id: null, amount: 120, bid_count: 1 });
  const view = await rest.get(`auctions/${id}`);
  assert.deepEqual([view.body.status, view.body.winner_id, view.body.reserve_met], ['closed', null, false]);
  await back.close();
});

test('an amount with decimals past the second is bad_request, however small they are (bid and POST auctions)', T, async () => {
  const body = { id: 'amt-9', product_id: 'p1', starting_price: 1350.1, min_increment: 0.2, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000) };
  const res = await rest.post('auctions', { ...body, id: 'amt-rest', starting_price: 100.000000001 }, publisher);
  assert.deepEqual([res.status, res.body.code], [400, 'bad_request'], JSON.stringify(res.body));
  assert.equal((await rest.post('auctions', body, publisher)).status, 201);
  const u = await user('amt-u1');
  for (const amount of [1350.100000001, 1350.101]) assert.equal((await u.request({ type: 'bid', auction_id: 'amt-9', amount })).code, 'bad_request', String(amount));
  const ok = await u.request({ type: 'bid', auction_id: 'amt-9', amount: 1350.1 });
  assert.equal(ok.type, 'reply', JSON.stringify(ok));
  assert.equal((await rest.get('auctions/amt-9')).body.next_min_bid, 1350.3);
  await u.close();
});

test('a repeated client_bid_id returns the first answer after many other bids and after the actor passivated (remembered bids are saved)', T, async () => {
  const id = 'idem-many';
  assert.equal((await rest.post('auctions', { id, product_id: 'p1', starting_price: 100, min_increment: 1, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000) }, publisher)).status, 201);
  const u1 = await user('idem-u1');
  const u2 = await user('idem-u2');
  const first = await u1.request({ type: 'bid', auction_id: id, amount: 100, client_bid_id: 'k1' });
  assert.equal(first.type, 'reply', JSON.stringify(first));
  // More keyed bids than an auction used to remember (16), then the actor passivates and is read back from the engine.
  for (let i = 1; i <= 40; i++) assert.equal((await u2.request({ type: 'bid', auction_id: id, amount: 100 + i, client_bid_id: `other-${i}` })).type, 'reply');
  const passivated = nextEvent(node.actors, 'lifecycle', (ev) => ev.address === `auction:${id}` && ev.kind === 'passivated');
  await passivated;
  const again = await u1.request({ type: 'bid', auction_id: id, amount: 100, client_bid_id: 'k1' });
  assert.deepEqual({ ...again, ref: undefined }, { ...first, ref: undefined }, `the first answer, not ${JSON.stringify(again)}`);
  const other = await u2.request({ type: 'bid', auction_id: id, amount: 105, client_bid_id: 'other-5' });
  assert.deepEqual((other.bid as { seq: number }).seq, 6, 'an accepted bid of the middle is remembered too');
  await Promise.all([u1.close(), u2.close()]);
});

test('a repeated client_bid_id whose first answer was a refusal gets that refusal again, even once the auction opened; a new key is judged anew', T, async () => {
  const id = 'idem-early';
  const start = Date.now() + 800;
  assert.equal((await rest.post('auctions', { id, product_id: 'p1', starting_price: 100, min_increment: 1, starts_at: isoIn(800, start - 800), ends_at: isoIn(3_600_000) }, publisher)).status, 201);
  const u = await user('idem-early-u');
  const first = await u.request({ type: 'bid', auction_id: id, amount: 100, client_bid_id: 'early' });
  assert.equal(first.code, 'auction_not_open');
  // Refusals are remembered in the actor's memory: GETs (answered by the actor) keep it from passivating (idleMs 300) while the start comes.
  for (let at = Date.now() + 100; (await rest.get(`auctions/${id}`)).body.status !== 'open'; at += 100) await untilTime(at);
  const again = await u.request({ type: 'bid', auction_id: id, amount: 100, client_bid_id: 'early' });
  assert.deepEqual({ ...again, ref: undefined }, { ...first, ref: undefined }, `the first answer, not ${JSON.stringify(again)}`);
  assert.equal((await u.request({ type: 'bid', auction_id: id, amount: 100, client_bid_id: 'later' })).type, 'reply');
  await u.close();
});
