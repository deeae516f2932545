// Resume after kill -9, in a cluster: two nodes over a redis-server of the
// test's own. The client is connected to n1 with the list [n1, n2]; n1 is
// killed; events published meanwhile on n2 are replayed to the client when it
// rejoins on n2 with `since` (recovered:true): no gap, no duplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../testkit/redis-server.ts';
import { startTestCluster, channelsOwnedBy } from '../testkit/cluster.ts';
import { token } from '../testkit/node.ts';
import { waitFor } from '../testkit/wait.ts';
import { WS, once } from '../testkit/sdk-client.ts';
import { HaatClient, type ChannelEvent } from './index.ts';

test('kill -9 of the node holding the connection: the client reconnects to the other node and gets the missed events with since, recovered, without gap or duplicate', { timeout: 120_000 }, async () => {
  const redis = await startRedisServer();
  try {
    const cluster = await startTestCluster(redis.url, ['n1', 'n2']);
    try {
      const n1 = cluster.node('n1');
      const n2 = cluster.node('n2');
      // A channel the survivor owns, and one the victim owns (taken over after the kill).
      const channels = [...channelsOwnedBy('n2', ['n1', 'n2'], 1, 'product:k'), ...channelsOwnedBy('n1', ['n1', 'n2'], 1, 'product:k')];
      // Until the missed events are published, the client's reconnects go to the dead node and fail.
      let published = false;
      const urls = (attempt: number): string => (attempt === 0 || !published ? n1.url() : n2.url());
      const c = new HaatClient({ url: urls, WebSocket: WS, backoff: { baseMs: 200, maxMs: 1_000 } });
      const events: ChannelEvent[] = [];
      c.on('event', (e) => events.push(e));
      const refetched: string[] = [];
      c.on('refetch', (ch) => refetched.push(ch));
      c.connect();
      await c.join(channels);
      assert.equal(c.session?.node, 'n1');
      const pub = new HaatClient({ url: n2.url(), token: await token({ sub: 'pub1', roles: ['publisher'] }), WebSocket: WS, maxAttempts: 10, backoff: { baseMs: 200, maxMs: 2_000 } });
      pub.connect();
      let i = 0;
      const publishAll = async (): Promise<void> => {
        i++;
        for (const ch of channels) await pub.publish(ch, 'product_price_change', { product_id: 'p1', new_price: i });
      };
      for (let k = 0; k < 3; k++) await publishAll();
      await waitFor(() => events.length, (n) => n >= 6, { what: '6 events before the kill' });
      const gone = once(c, 'state', (s) => s === 'reconnecting');
      n1.proc.child.kill('SIGKILL');
      await gone;
      // Missed while the client has no connection (the victim's channel answers once n2 has taken it over).
      for (let k = 0; k < 3; k++) await publishAll();
      published = true;
      await once(c, 'authenticated', () => true, 30_000);
      assert.equal(c.session?.node, 'n2');
      await waitFor(() => events.length, (n) => n >= 12, { timeoutMs: 20_000, what: 'the 6 missed events' });
      await publishAll();
      await waitFor(() => events.length, (n) => n >= 14, { what: 'live events after the resume' });
      for (const ch of channels) assert.deepEqual(events.filter((e) => e.channel === ch).map((e) => e.offset), [1, 2, 3, 4, 5, 6, 7], ch);
      assert.deepEqual(refetched, [], 'both channels recovered (recovered:true)');
      c.close();
      pub.close();
    } finally {
      await cluster.stop();
    }
  } finally {
    await redis.stop();
  }
});
