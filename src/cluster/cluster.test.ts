// Several real nodes over a real redis-server, behaving to clients as one
// server (PROTOCOL.md §4). Each test starts its own redis-server and nodes.
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { startRedisCluster, startRedisServer, type RedisServer } from '../testkit/redis-server.ts';
import { token } from '../testkit/node.ts';
import { channelsOwnedBy, connect, ownerOf, startTestCluster, type TestCluster } from '../testkit/cluster.ts';
import type { TestClient, Frame } from '../testkit/ws-client.ts';
import { waitFor, withTimeout } from '../testkit/wait.ts';

const PUBLISHER = { sub: 'pub1', roles: ['publisher'] };

/** Publishes with a client_msg_id, retrying temporary errors with the same id until acknowledged. */
async function publishAcked(c: TestClient, channel: string, id: string, data: object, deadline: number, sent?: { at: number }): Promise<Frame> {
  for (;;) {
    if (sent) sent.at = Date.now();
    const r = await withTimeout(c.request({ type: 'broadcast_event', channel, event_type: 'tick', data, client_msg_id: id }), { timeoutMs: 15_000, what: `the answer to ${id}` });
    if (r.type === 'reply') return r;
    if (r.temporary !== true || Date.now() > deadline) throw new Error(`publish ${id} failed: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** One command through redis-cli (the test's own redis-server). */
function redisCli(url: string, args: string[]): Promise<string> {
  const port = new URL(url).port;
  return new Promise((resolve, reject) => execFile('redis-cli', ['-p', port, ...args], { timeout: 5000 }, (err, out) => (err ? reject(err) : resolve(out.trim()))));
}

/** A redis-server of the test's own and nodes `ids` over it, stopped (killed) after `body`, whatever happens. */
async function withCluster(ids: string[], body: (cluster: TestCluster, redis: RedisServer) => Promise<void>): Promise<void> {
  const redis = await startRedisServer();
  try {
    const cluster = await startTestCluster(redis.url, ids);
    try {
      await body(cluster, redis);
    } finally {
      await cluster.stop();
    }
  } finally {
    await redis.stop();
  }
}

/** One channel owned by each of n1 and n2, a subscriber to both on n1, a publisher on n2. */
async function subscriberAndPublisher(cluster: TestCluster, alive: string[]): Promise<{ channels: string[]; sub: TestClient; pub: TestClient }> {
  const channels = [...channelsOwnedBy('n1', alive, 1), ...channelsOwnedBy('n2', alive, 1)];
  const sub = await connect(cluster.node('n1'));
  await sub.request({ type: 'join_channel', channels });
  const pub = await connect(cluster.node('n2'), PUBLISHER);
  return { channels, sub, pub };
}

const offsets = (c: TestClient, channel: string): number[] => c.events(channel).map((f) => f.offset as number);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('three nodes: a subscriber on n1 gets, in order and once, what is published on n3; an actor owned by n2 answers an ask from n1', { timeout: 60_000 }, async () => {
  await withCluster(['n1', 'n2', 'n3'], async (cluster) => {
    const alive = ['n1', 'n2', 'n3'];
    const channels = [...channelsOwnedBy('n1', alive, 1), ...channelsOwnedBy('n2', alive, 1), ...channelsOwnedBy('n3', alive, 1)];
    const sub = await connect(cluster.node('n1'));
    const joined = await sub.request({ type: 'join_channel', channels });
    assert.equal((joined.channels as unknown[]).length, 3, JSON.stringify(joined));
    const pub = await connect(cluster.node('n3'), PUBLISHER);
    const deadline = Date.now() + 30_000;
    for (let i = 1; i <= 30; i++) {
      const ch = channels[i % 3]!;
      const r = await publishAcked(pub, ch, `m${i}`, { i }, deadline);
      assert.equal(r.channel, ch);
    }
    await waitFor(() => sub.frames.filter((f) => f.type === 'event').length, (n) => n >= 30, { timeoutMs: 10_000, what: '30 events on n1' });
    for (const ch of channels) assert.deepEqual(offsets(sub, ch), range(1, 10), ch);
    // Only nodes with subscribers receive a channel's events: n2 has none.
    const admin = await token({ sub: 'ops', roles: ['admin'] });
    const stats = async (id: string): Promise<number> =>
      ((await (await fetch(cluster.node(id).http('stats'), { headers: { authorization: `Bearer ${admin}` } })).json()) as { local: { totals: { events_published: number } } }).local.totals.events_published;
    assert.equal(await stats('n1'), 30);
    assert.equal(await stats('n2'), 0, 'n2 has no subscriber and received no event');
    assert.equal(await stats('n3'), 0, 'n3 published them but has no subscriber');
    // The channel n2 owns, published from n1: its actor answers through n1's answer topic.
    const onN1 = await connect(cluster.node('n1'), PUBLISHER);
    const owned = channels[1]!;
    assert.equal(ownerOf(owned, alive), 'n2');
    const r = await publishAcked(onN1, owned, 'from-n1', { x: 1 }, Date.now() + 10_000);
    assert.equal(r.offset, 11);
    const again = await publishAcked(onN1, owned, 'from-n1', { x: 1 }, Date.now() + 10_000);
    assert.deepEqual([again.id, again.offset], [r.id, r.offset], 'a retried publish is answered once, across nodes');
    await Promise.all([sub.close(), pub.close(), onN1.close()]);
  });
});

test('kill -9 of a node mid-stream: its actors serve again elsewhere within 5 s, nothing acknowledged is lost or doubled, and its clients resume on another node', { timeout: 90_000 }, async (t) => {
  const alive = ['n1', 'n2', 'n3'];
  await withCluster(alive, async (cluster) => {
    const channels = [...channelsOwnedBy('n2', alive, 2), ...channelsOwnedBy('n1', alive, 1), ...channelsOwnedBy('n3', alive, 1)];
    const watcher = await connect(cluster.node('n1'));
    await watcher.request({ type: 'join_channel', channels });
    const onVictim = await connect(cluster.node('n2'));
    await onVictim.request({ type: 'join_channel', channels });
    const pub = await connect(cluster.node('n3'), PUBLISHER);
    const acked = new Map<string, number[]>(channels.map((c) => [c, []]));
    let killedAt = 0;
    let stop = false;
    const deadline = Date.now() + 60_000;
    // Publishes go straight to the history from n3 (any node may append), so
    // they keep flowing through the kill; the dead node's actors are asked by joins.
    const publisher = (async () => {
      for (let i = 1; !stop; i++) {
        const ch = channels[i % channels.length]!;
        const r = await publishAcked(pub, ch, `k${i}`, { i }, deadline);
        acked.get(ch)!.push(r.offset as number);
        // Paced, so that what the victim's client missed stays within the
        // history (100 events a channel) however long the takeover takes.
        await new Promise((res) => setTimeout(res, 25));
      }
    })();
    await waitFor(() => acked.get(channels[0]!)!.length, (n) => n >= 10, { timeoutMs: 20_000, what: 'publishes before the kill' });
    // What the victim's client had received when its node died.
    cluster.node('n2').proc.child.kill('SIGKILL');
    killedAt = Date.now();
    const lastSeen = Object.fromEntries(channels.map((c) => [c, { epoch: onVictim.events(c).at(-1)?.epoch as string, offset: (onVictim.events(c).at(-1)?.offset as number) ?? 0 }]));
    // A join asks the channel's actor: answered once the dead node's actors serve elsewhere.
    const moved = channels.slice(0, 2);
    let failoverMs = 0;
    while (failoverMs === 0) {
      const c = await connect(cluster.node('n3'));
      const j = await withTimeout(c.request({ type: 'join_channel', channels: moved }), { timeoutMs: 15_000, what: 'a join of the dead node\'s channels' });
      await c.close();
      if (j.type === 'channels_joined' && (j.channels as unknown[]).length === moved.length) failoverMs = Date.now() - killedAt;
      else assert.ok(Date.now() - killedAt < 20_000, `joins still refused 20 s after the kill: ${JSON.stringify(j)}`);
    }
    await waitFor(() => acked.get(channels[0]!)!.length, (n) => n >= 25, { timeoutMs: 20_000, what: 'publishes after the takeover' });
    stop = true;
    await publisher;
    t.diagnostic(`failover: ${failoverMs} ms from kill -9 to a join answered by the dead node's channel actors, now elsewhere`);
    assert.ok(failoverMs < 5000, `the dead node's actors answered again after ${failoverMs} ms`);
    // Every acknowledged publish reaches the survivor's subscriber exactly once, in order.
    for (const ch of channels) {
      const want = acked.get(ch)!;
      assert.deepEqual(want, range(1, want.length), `${ch}: acknowledged offsets are gap-free`);
      await waitFor(() => offsets(watcher, ch).length, (n) => n >= want.length, { timeoutMs: 10_000, what: `${ch} on n1` });
      assert.deepEqual(offsets(watcher, ch), want, `${ch}: delivered once, in order`);
    }
    // Ops see it: n2 dead in the ring view, and the takeover in the supervision stream.
    const admin = await token({ sub: 'ops', roles: ['admin'] });
    const view = (await (await fetch(cluster.node('n1').http('admin/cluster'), { headers: { authorization: `Bearer ${admin}` } })).json()) as { nodes: { id: string; status: string }[]; supervision: { kind: string; address: string }[] };
    assert.equal(view.nodes.find((x) => x.id === 'n2')?.status, 'dead');
    assert.ok(view.supervision.some((e) => e.kind === 'takeover' && e.address === 'node:n2'), JSON.stringify(view.supervision));
    // The dead node's client resumes on n3 with since: recovered, exactly the missed events.
    const resumed = await connect(cluster.node('n3'));
    const j = await resumed.request({ type: 'join_channel', channels, since: lastSeen });
    for (const entry of j.channels as { channel: string; recovered: boolean; offset: number }[]) {
      assert.equal(entry.recovered, true, `${entry.channel} recovered: ${JSON.stringify({ since: lastSeen[entry.channel], entry })}`);
      const missed = range(lastSeen[entry.channel]!.offset + 1, entry.offset);
      // The replay follows channels_joined (§4); a long one leaves the server in several writes.
      await waitFor(() => offsets(resumed, entry.channel).length, (n) => n >= missed.length, { timeoutMs: 10_000, what: `${entry.channel}: the replay` });
      assert.deepEqual(offsets(resumed, entry.channel), missed, `${entry.channel}: exactly the missed events`);
    }
    await Promise.all([watcher.close(), pub.close(), resumed.close()]);
  });
});

test('SIGSTOP until declared dead, then SIGCONT: the paused node cannot append stale events nor deliver stale answers', { timeout: 90_000 }, async (t) => {
  const alive = ['n1', 'n2'];
  await withCluster(alive, async (cluster) => {
    const [ch] = channelsOwnedBy('n2', alive, 1);
    const channel = ch!;
    const watcher = await connect(cluster.node('n1'));
    await watcher.request({ type: 'join_channel', channels: [channel] });
    const pub = await connect(cluster.node('n1'), PUBLISHER);
    const answers = new Map<string, string>();
    const deadline = Date.now() + 60_000;
    let n = 0;
    const publishSome = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const id = `s${++n}`;
        const r = await publishAcked(pub, channel, id, { n }, deadline);
        answers.set(id, `${r.id}@${r.offset}`);
      }
    };
    await publishSome(5);
    const victim = cluster.node('n2').proc.child;
    victim.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const admin = await token({ sub: 'ops', roles: ['admin'] });
    const statusOf = async (id: string): Promise<string | undefined> => {
      const v = (await (await fetch(cluster.node('n1').http('admin/cluster'), { headers: { authorization: `Bearer ${admin}` } })).json()) as { nodes: { id: string; status: string }[] };
      return v.nodes.find((x) => x.id === id)?.status;
    };
    await waitFor(() => statusOf('n2'), (st) => st === 'suspect', { timeoutMs: 2900, what: 'n2 suspect before it is dead' });
    t.diagnostic(`n2 suspect after ${Date.now() - stoppedAt} ms`);
    await cluster.waitForRing('n1', ['n1'], 10_000);
    t.diagnostic(`n1 declared the stopped n2 dead after ${Date.now() - stoppedAt} ms`);
    await publishSome(5); // served by n1 now
    victim.kill('SIGCONT');
    await cluster.waitForRing('n1', alive, 10_000);
    await publishSome(5); // n2 owns the channel again, with a stale idea of its offset
    // Retries of every id answer what they answered first: nothing was published twice.
    for (const [id, first] of answers) {
      const r = await publishAcked(pub, channel, id, {}, deadline);
      assert.equal(`${r.id}@${r.offset}`, first, `${id} answered once`);
    }
    await waitFor(() => offsets(watcher, channel).length, (k) => k >= 15, { timeoutMs: 10_000, what: '15 events' });
    assert.deepEqual(offsets(watcher, channel), range(1, 15), 'no stale append slipped in: offsets are gap-free and unique');
    assert.deepEqual([...answers.values()].map((a) => Number(a.split('@')[1])), range(1, 15));
    await Promise.all([watcher.close(), pub.close()]);
  });
});

test('redis-server killed and restarted with its data gone: health is 503, then 200 again within 15 s, and new publishes flow', { timeout: 90_000 }, async (t) => {
  const alive = ['n1', 'n2'];
  await withCluster(alive, async (cluster, redis) => {
    const { channels, sub, pub } = await subscriberAndPublisher(cluster, alive);
    for (const ch of channels) await publishAcked(pub, ch, `before-${ch}`, {}, Date.now() + 10_000);
    await waitFor(() => sub.frames.filter((f) => f.type === 'event').length, (k) => k >= 2, { timeoutMs: 10_000, what: 'events before' });
    await redis.kill();
    await waitFor(() => cluster.health('n1'), (s) => s === 503, { timeoutMs: 10_000, what: 'health 503 while Redis is down' });
    const down = await pub.request({ type: 'broadcast_event', channel: channels[1]!, event_type: 'tick', data: {} });
    assert.equal(down.type, 'error');
    assert.equal(down.code, 'unavailable', 'cluster work is answered unavailable (temporary) while Redis is down');
    assert.equal(down.temporary, true);
    const restartedAt = Date.now();
    await redis.restart({ wipe: true });
    await waitFor(async () => [await cluster.health('n1'), await cluster.health('n2')], (s) => s[0] === 200 && s[1] === 200, { timeoutMs: 15_000, what: 'health 200 on both nodes' });
    t.diagnostic(`health 200 again ${Date.now() - restartedAt} ms after redis-server restarted empty`);
    const before = sub.frames.filter((f) => f.type === 'event').length;
    for (const ch of channels) await publishAcked(pub, ch, `after-${ch}`, {}, Date.now() + 15_000);
    await waitFor(() => sub.frames.filter((f) => f.type === 'event').length, (k) => k >= before + 2, { timeoutMs: 10_000, what: 'events after the restart' });
    for (const ch of channels) {
      const evs = sub.events(ch);
      const last = evs.at(-1)!;
      assert.equal(last.offset, 1, `${ch}: numbering started over`);
      assert.notEqual(last.epoch, evs[0]!.epoch, `${ch}: a new epoch, since the history was lost`);
    }
    await Promise.all([sub.close(), pub.close()]);
  });
});

test('no sticky sessions: a client that lands on a different node at every reconnect resumes with since each time', { timeout: 60_000 }, async () => {
  const alive = ['n1', 'n2', 'n3'];
  await withCluster(alive, async (cluster) => {
    const channel = 'product:roaming';
    const pub = await connect(cluster.node('n1'), PUBLISHER);
    let last = { epoch: '', offset: 0 };
    let published = 0;
    for (const [round, id] of ['n1', 'n2', 'n3', 'n1', 'n2'].entries()) {
      const c = await connect(cluster.node(id));
      const j = await c.request(round === 0 ? { type: 'join_channel', channels: [channel] } : { type: 'join_channel', channels: [channel], since: { [channel]: last } });
      const entry = (j.channels as { epoch: string; offset: number; recovered: boolean }[])[0]!;
      if (round > 0) assert.equal(entry.recovered, true, `round ${round} on ${id}`);
      const missed = range(last.offset + 1, entry.offset);
      await waitFor(() => offsets(c, channel).length, (n) => n >= missed.length, { timeoutMs: 10_000, what: `round ${round}: the replay` });
      assert.deepEqual(offsets(c, channel), missed, `round ${round}: exactly the missed events`);
      // Live events while connected here, then three more while it is away.
      await publishAcked(pub, channel, `live${round}`, {}, Date.now() + 10_000);
      published++;
      const seen = await waitFor(() => c.events(channel), (e) => e.at(-1)?.offset === published, { timeoutMs: 10_000, what: 'the live event' });
      last = { epoch: seen.at(-1)!.epoch as string, offset: published };
      await c.close();
      for (let k = 0; k < 3; k++) await publishAcked(pub, channel, `away${round}-${k}`, {}, Date.now() + 10_000);
      published += 3;
    }
    await pub.close();
  });
});

test('SIGTERM drain: the node leaves the ring at once and its actors are served by the others without waiting for it to be declared dead', { timeout: 60_000 }, async (t) => {
  const alive = ['n1', 'n2'];
  await withCluster(alive, async (cluster) => {
    const [channel] = channelsOwnedBy('n2', alive, 1);
    const pub = await connect(cluster.node('n1'), PUBLISHER);
    for (let i = 1; i <= 5; i++) await publishAcked(pub, channel!, `d${i}`, {}, Date.now() + 10_000);
    const draining = cluster.node('n2').proc;
    const started = Date.now();
    draining.child.kill('SIGTERM');
    assert.equal(await withTimeout(draining.exited, { timeoutMs: 10_000, what: 'n2 to exit' }), 0);
    await cluster.waitForRing('n1', ['n1'], 2_000);
    const r = await publishAcked(pub, channel!, 'd6', {}, Date.now() + 10_000);
    t.diagnostic(`drained node's channel answered ${Date.now() - started} ms after SIGTERM`);
    assert.equal(r.offset, 6, 'numbering continues on the new owner');
    await pub.close();
  });
});

test('the same on a 3-master Redis Cluster: nodes given its seed URLs deliver across nodes, with channels on different masters', { timeout: 60_000 }, async () => {
  const redis = await startRedisCluster();
  const alive = ['n1', 'n2'];
  const cluster = await startTestCluster(redis.urls.join(','), alive);
  try {
    const channels = [...channelsOwnedBy('n1', alive, 3), ...channelsOwnedBy('n2', alive, 3)];
    const sub = await connect(cluster.node('n1'));
    await sub.request({ type: 'join_channel', channels });
    const pub = await connect(cluster.node('n2'), PUBLISHER);
    for (let i = 0; i < 24; i++) await publishAcked(pub, channels[i % channels.length]!, `rc${i}`, { i }, Date.now() + 20_000);
    await waitFor(() => sub.frames.filter((f) => f.type === 'event').length, (n) => n >= 24, { timeoutMs: 10_000, what: '24 events' });
    for (const ch of channels) assert.deepEqual(offsets(sub, ch), range(1, 4), ch);
    const late = await connect(cluster.node('n2'));
    const j = await late.request({ type: 'join_channel', channels: [channels[0]!], since: { [channels[0]!]: { epoch: sub.events(channels[0]!)[0]!.epoch, offset: 1 } } });
    assert.equal((j.channels as { recovered: boolean }[])[0]!.recovered, true);
    assert.deepEqual(offsets(late, channels[0]!), [2, 3, 4]);
    await Promise.all([sub.close(), pub.close(), late.close()]);
  } finally {
    await cluster.stop();
    await redis.stop();
  }
});

test('a node whose bus connection drops mid-stream notices the gap and fills it from history: no gap, no duplicate', { timeout: 60_000 }, async (t) => {
  const alive = ['n1', 'n2'];
  await withCluster(alive, async (cluster, redis) => {
    const { channels, sub, pub } = await subscriberAndPublisher(cluster, alive);
    const counts = new Map(channels.map((c) => [c, 0]));
    const deadline = Date.now() + 40_000;
    const publishRound = async (label: string): Promise<void> => {
      for (const ch of channels) {
        await publishAcked(pub, ch, `${label}-${ch}`, {}, deadline);
        counts.set(ch, counts.get(ch)! + 1);
      }
    };
    for (let i = 0; i < 5; i++) await publishRound(`a${i}`);
    // Every pub/sub connection of the redis-server is dropped (the nodes' bus subscribers).
    const killed = await redisCli(redis.url, ['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    t.diagnostic(`pub/sub connections killed: ${killed}`);
    for (let i = 0; i < 5; i++) await publishRound(`b${i}`);
    for (const ch of channels) {
      await waitFor(() => offsets(sub, ch).length, (n) => n >= counts.get(ch)!, { timeoutMs: 15_000, what: `${ch}: all events after the drop` });
      assert.deepEqual(offsets(sub, ch), range(1, counts.get(ch)!), `${ch}: gap-free, no duplicate`);
    }
    await Promise.all([sub.close(), pub.close()]);
  });
});
