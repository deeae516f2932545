// README "Client SDK", Heartbeat: "when nothing has arrived for heartbeat_ms
// (from authenticated) the client sends {"type":"ping"}; a connection silent
// for two heartbeats is dropped and reconnected".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestNode } from '../testkit/node.ts';
import { HaatClient } from './index.ts';
import { WS, once } from '../testkit/sdk-client.ts';

test('the SDK drops a connection whose server went silent after two heartbeats', { timeout: 60_000 }, async () => {
  const node = await startTestNode({ gateway: { heartbeatMs: 4000 } });
  // A proxy that, once frozen, forwards nothing more from the server (a dead link downstream).
  let frozen = false;
  const socks = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const up = net.connect(node.port, '127.0.0.1');
    socks.add(client).add(up);
    client.on('data', (d) => up.write(d));
    up.on('data', (d) => {
      if (!frozen) client.write(d);
    });
    const drop = (): void => {
      client.destroy();
      up.destroy();
    };
    client.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as net.AddressInfo).port;
  const c = new HaatClient({ url: `ws://127.0.0.1:${port}/ws`, WebSocket: WS, backoff: { baseMs: 100, maxMs: 1000 } });
  try {
    c.connect();
    const auth = (await once(c, 'authenticated')) as { heartbeat_ms: number };
    assert.equal(auth.heartbeat_ms, 4000);
    frozen = true;
    const t0 = Date.now();
    await once(c, 'state', (s) => s === 'reconnecting', 30_000);
    const silentFor = Date.now() - t0;
    // Two heartbeats are 8,000 ms; the check runs every quarter heartbeat (1,000 ms here).
    assert.ok(silentFor <= 2 * auth.heartbeat_ms + 1000 + 300, `dropped after ${silentFor} ms of silence (heartbeat_ms ${auth.heartbeat_ms}: ${(silentFor / auth.heartbeat_ms).toFixed(2)} heartbeats)`);
  } finally {
    c.close();
    for (const s of socks) s.destroy();
    proxy.close();
    await node.stop();
  }
});
