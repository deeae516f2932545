// Slow consumers, heartbeats and drain, with real sockets and a real process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestNode, token } from '../testkit/node.ts';
import { TestClient } from '../testkit/ws-client.ts';
import { spawnNode } from '../testkit/node-process.ts';

test('a slow consumer is closed with 4009 and counted; others keep receiving', async () => {
  const node = await startTestNode({ gateway: { maxBackpressureBytes: 64 * 1024 } });
  try {
    const slow = await node.connect();
    const fast = await node.connect();
    const ch = 'product:firehose';
    await slow.request({ type: 'join_channel', channels: [ch] });
    await fast.request({ type: 'join_channel', channels: [ch] });
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const pub = await node.connect({ token: await token({ sub: 'p', roles: ['publisher'] }) });
    const big = 'x'.repeat(4000);
    let sent = 0;
    const slowCount = async (): Promise<number> => (await node.metrics.slowConsumers.get()).values[0]?.value ?? 0;
    // Publish until the server gives up on the paused socket (bounded), then let
    // the client read its backlog and the close. The sweep runs on a timer in
    // production; here it runs after each small batch so the test does not race it.
    while ((await slowCount()) === 0 && sent < 20_000) {
      await Promise.all(Array.from({ length: 5 }, () => pub.request({ type: 'broadcast_event', channel: ch, event_type: 'blob', data: { big } })));
      sent += 5;
      node.gateway.sweepSlowConsumers();
    }
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    assert.equal((await slow.closed).code, 4009);
    const text = await (await fetch(node.http('/metrics'))).text();
    assert.match(text, /^haat_slow_consumers_total 1$/m);
    await fast.next((f) => f.type === 'event' && f.offset === sent);
    assert.equal(fast.events(ch).length, sent, 'the fast subscriber got everything');
    await Promise.all([fast.close(), pub.close()]);
  } finally {
    await node.stop();
  }
});

test('a peer that stops answering pings is closed', { timeout: 60_000 }, async () => {
  const node = await startTestNode({ gateway: { heartbeatMs: 4000 } });
  try {
    const ws = new WebSocket(node.url(), { autoPong: false });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    let pings = 0;
    ws.on('ping', () => pings++);
    const code = await closed;
    assert.ok(pings >= 1, `the server pinged (${pings})`);
    assert.notEqual(code, 1000);
    const alive = await node.connect();
    assert.equal((await alive.request({ type: 'ping' })).type, 'pong');
    await alive.close();
  } finally {
    await node.stop();
  }
});

test('SIGTERM drains: closing with a jittered reconnect_after_ms, close 1001, new connections refused, exit 0', async () => {
  const proc = await spawnNode();
  const url = `ws://127.0.0.1:${proc.port}/ws`;
  const clients = await Promise.all([TestClient.connect(url), TestClient.connect(url), TestClient.connect(url)]);
  proc.child.kill('SIGTERM');
  const closes = await Promise.all(clients.map((c) => c.closed));
  for (const [i, c] of clients.entries()) {
    assert.equal(closes[i]!.code, 1001);
    const closing = c.frames.find((f) => f.type === 'closing');
    assert.ok(closing, 'a closing frame came first');
    assert.equal(closing.code, 'draining');
    assert.ok(Number(closing.reconnect_after_ms) >= 500 && Number(closing.reconnect_after_ms) <= 3000);
  }
  assert.equal(await proc.exited, 0);
  await assert.rejects(TestClient.connect(url));
});
