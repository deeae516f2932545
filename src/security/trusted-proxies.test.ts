// PROTOCOL.md §9: "loopback and listed proxies exempt from the IP limit".
// Behind a listed balancer, its X-Forwarded-For names the client, and the
// client is held to the per-IP limit (4029); a peer that is not listed cannot
// name anyone. Loopback stands in for the balancer here (listed, it is read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token } from '../testkit/node.ts';
import { TestClient } from '../testkit/ws-client.ts';

const T = { timeout: 30_000 };

test('behind a listed proxy each client is counted by the address X-Forwarded-For gives; the proxy itself is exempt', T, async () => {
  const node = await startTestNode({ gateway: { maxConnectionsPerIp: 2, trustedProxies: ['127.0.0.1'] } });
  const open: TestClient[] = [];
  try {
    const url = `ws://127.0.0.1:${node.port}/ws`;
    const via = (client: string) => ({ localAddress: '127.0.0.1', headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < 2; i++) open.push(await TestClient.connect(url, via('198.51.100.4')));
    const third = await TestClient.open(url, via('198.51.100.4'));
    assert.equal((await third.closed).code, 4029, 'the third connection of one client behind the proxy');
    open.push(await TestClient.connect(url, via('198.51.100.5')), await TestClient.connect(url, via('203.0.113.9, 198.51.100.6')));
    // Without the header the proxy's own connections count under its address: exempt, however many.
    for (let i = 0; i < 3; i++) open.push(await TestClient.connect(url, { localAddress: '127.0.0.1' }));
    const conns = (await (await fetch(node.http('/api/v1/realtime/admin/connections'), { headers: { authorization: `Bearer ${await token({ sub: 'ops', roles: ['admin'] })}` } })).json()) as { connections: { ip: string }[] };
    assert.deepEqual([...new Set(conns.connections.map((c) => c.ip))].sort(), ['127.0.0.1', '198.51.100.4', '198.51.100.5', '198.51.100.6']);
  } finally {
    await Promise.all(open.map((c) => c.close()));
    await node.stop();
  }
});

test('a peer that is not listed cannot name a client: its X-Forwarded-For is ignored', T, async () => {
  const node = await startTestNode({ gateway: { maxConnectionsPerIp: 1 } });
  const open: TestClient[] = [];
  try {
    const url = `ws://127.0.0.1:${node.port}/ws`;
    // Counted as loopback (exempt), not as the address the header claims: neither a limit nor a spoofed address.
    for (let i = 0; i < 3; i++) open.push(await TestClient.connect(url, { localAddress: '127.0.0.1', headers: { 'x-forwarded-for': '198.51.100.4' } }));
  } finally {
    await Promise.all(open.map((c) => c.close()));
    await node.stop();
  }
});
