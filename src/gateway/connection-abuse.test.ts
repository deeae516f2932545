// Connection abuse, black-box (README "Spam and abuse"): floods of upgrades
// and slow or oversized HTTP bodies from 127.0.0.x addresses (loopback is not
// exempt from these limits). The upgrade rules run on the node's clock, here
// one the test moves by hand, so no test waits for time to pass.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { withTimeout } from '../testkit/wait.ts';
import type { TokenVerifier } from './auth.ts';

const nodes: TestNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

/** A clock that moves only when the test says so. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = Date.now();
  return { now: () => t, advance: (ms) => void (t += ms) };
}

async function start(overrides: Record<string, unknown>, clock?: { now: () => number }): Promise<TestNode> {
  const node = await startTestNode(overrides, clock ? { clock } : {});
  nodes.push(node);
  return node;
}

type Upgrade = { status: number; headers: http.IncomingHttpHeaders; body: any };

/** One WebSocket upgrade from `localAddress`: 101 (the socket is then closed at once), or the refusal. */
function upgrade(node: TestNode, localAddress: string, query = ''): Promise<Upgrade> {
  return withTimeout(
    new Promise<Upgrade>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: node.port,
        path: `/ws${query}`,
        localAddress,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: null });
      });
      req.on('response', (res) => {
        let text = '';
        const socket = res.socket;
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end();
    }),
    { what: `the upgrade from ${localAddress}` },
  );
}

async function securityEvents(node: TestNode): Promise<{ kind: string; ip: string; user_id: string | null; detail: string }[]> {
  const res = await fetch(node.http('/api/v1/realtime/admin/security-events?limit=500'), { headers: { authorization: `Bearer ${await token({ sub: 'ops', roles: ['admin'] })}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { events: { kind: string; ip: string; user_id: string | null; detail: string }[] }).events;
}

const refusals = async (node: TestNode, reason: string): Promise<number> => (await node.metrics.upgradesRefused.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

test('the upgrade rate per IP: a burst, then 429 with retry_after_ms and Retry-After; other IPs go on', { timeout: 30_000 }, async () => {
  const clock = manualClock();
  const node = await start({ abuse: { upgradesPerSecondPerIp: 1, upgradeBurstPerIp: 3 } }, clock);
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await upgrade(node, '127.0.0.7')).status);
  assert.deepEqual(statuses, [101, 101, 101]);
  const refused = await Promise.all(Array.from({ length: 5 }, () => upgrade(node, '127.0.0.7')));
  for (const r of refused) {
    assert.equal(r.status, 429);
    assert.deepEqual([r.body.code, r.body.temporary, r.body.retry_after_ms], ['rate_limited', true, 1000]);
    assert.equal(r.headers['retry-after'], '1');
  }
  // In Bengali when asked.
  assert.match((await upgrade(node, '127.0.0.7', '?lang=bn')).body.message, /সেকেন্ড/);
  assert.equal((await upgrade(node, '127.0.0.8')).status, 101, 'another address');
  clock.advance(1000);
  assert.equal((await upgrade(node, '127.0.0.7')).status, 101, 'a token came back');
  assert.equal(await refusals(node, 'upgrade_rate'), 6);
  const events = (await securityEvents(node)).filter((e) => e.kind === 'upgrade_rate');
  assert.equal(events.length, 1, 'one event for the flood, not one per refusal');
  assert.equal(events[0]!.ip, '127.0.0.7');
});

test('reconnect storms per IP and per user: refused with a delay that doubles per refusal, capped; over after a quiet window', { timeout: 30_000 }, async () => {
  const clock = manualClock();
  const node = await start({ abuse: { stormMaxUpgradesPerIp: 4, stormMaxUpgradesPerUser: 2, stormWindowMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 4000 } }, clock);
  for (let i = 0; i < 4; i++) assert.equal((await upgrade(node, '127.0.0.9')).status, 101);
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await upgrade(node, '127.0.0.9');
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], String(r.body.retry_after_ms / 1000));
    delays.push(r.body.retry_after_ms);
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 4000]);
  // Waiting as told is not enough while the storm's window lasts: the next refusal is the cap.
  clock.advance(4000);
  assert.equal((await upgrade(node, '127.0.0.9')).body.retry_after_ms, 4000);
  // A quiet window after the block: admitted again.
  clock.advance(4000 + 10_000);
  assert.equal((await upgrade(node, '127.0.0.9')).status, 101);

  // Per user, whatever the address.
  const t = await token({ sub: 'stormy' });
  assert.equal((await upgrade(node, '127.0.1.1', `?token=${t}`)).status, 101);
  assert.equal((await upgrade(node, '127.0.1.2', `?token=${t}`)).status, 101);
  const third = await upgrade(node, '127.0.1.3', `?token=${t}`);
  assert.deepEqual([third.status, third.body.code, third.body.retry_after_ms], [429, 'rate_limited', 1000]);
  assert.equal((await upgrade(node, '127.0.1.4', `?token=${await token({ sub: 'calm' })}`)).status, 101, 'another user');

  const storms = (await securityEvents(node)).filter((e) => e.kind === 'reconnect_storm');
  assert.deepEqual(storms.map((e) => [e.ip, e.user_id]), [['127.0.1.3', 'stormy'], ['127.0.0.9', null]], 'one event per streak, newest first');
  assert.match(storms[1]!.detail, /over 4 upgrades from this IP within 10000 ms/);
  assert.equal(await refusals(node, 'reconnect_storm'), 6);
});

test('pending upgrades are capped: past the cap 503 unavailable with retry_after_ms', { timeout: 30_000 }, async () => {
  const node = await start({ abuse: { maxPendingUpgrades: 2 } });
  // Hold token checks until the test lets them go, so that upgrades stay pending.
  const verifier = (node.gateway as unknown as { d: { verifier: TokenVerifier } }).d.verifier;
  const verify = verifier.principal.bind(verifier);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started = 0;
  let twoStarted!: () => void;
  const bothPending = new Promise<void>((r) => (twoStarted = r));
  verifier.principal = async (t: string) => {
    if (++started === 2) twoStarted();
    await gate;
    return verify(t);
  };
  const held = [upgrade(node, '127.0.0.21', `?token=${await token({ sub: 'p1' })}`), upgrade(node, '127.0.0.22', `?token=${await token({ sub: 'p2' })}`)];
  await withTimeout(bothPending, { what: 'two upgrades in flight' });
  assert.equal(node.gateway.pendingUpgrades, 2);
  const flood = await Promise.all(Array.from({ length: 5 }, (_, i) => upgrade(node, `127.0.0.${30 + i}`, `?token=${'x'.repeat(10)}`)));
  for (const r of flood) {
    assert.deepEqual([r.status, r.body.code, r.body.temporary, r.body.retry_after_ms, r.headers['retry-after']], [503, 'unavailable', true, 1000, '1']);
  }
  release();
  assert.deepEqual((await Promise.all(held)).map((r) => r.status), [101, 101]);
  assert.equal(node.gateway.pendingUpgrades, 0);
  assert.equal((await upgrade(node, '127.0.0.40')).status, 101, 'admitted again');
  const events = (await securityEvents(node)).filter((e) => e.kind === 'pending_upgrades');
  assert.equal(events.length, 1, 'at most one event a second');
  assert.equal(await refusals(node, 'pending_upgrades'), 5);
});

/** A raw HTTP request from `localAddress`; resolves with everything the server sent once it closed the connection. */
function rawRequest(node: TestNode, localAddress: string, head: string, send: (socket: net.Socket) => void): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: node.port, localAddress });
      let got = '';
      socket.on('data', (c) => (got += c.toString()));
      socket.on('close', () => resolve(got));
      socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(err)));
      socket.on('connect', () => {
        socket.write(head);
        send(socket);
      });
    }),
    { what: 'the server to answer and close the connection' },
  );
}

test('HTTP bodies: one sent byte by byte is cut off with 408 and the connection closed; one over the limit is 413, closed', { timeout: 30_000 }, async () => {
  const node = await start({ abuse: { bodyTimeoutMs: 300, maxBodyBytes: 1024 } });
  const bearer = await token({ sub: 'slowpoke' });
  const head = (length: number): string =>
    `POST /api/v1/realtime/chat/rooms/r1/messages HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${bearer}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
  // A drip of one byte every 20 ms would take 4 s for 200 bytes; the server gives up at 300 ms.
  const body = JSON.stringify({ message: 'x'.repeat(180) });
  let drip: NodeJS.Timeout | undefined;
  const slow = await rawRequest(node, '127.0.0.51', head(body.length), (socket) => {
    let i = 0;
    drip = setInterval(() => {
      if (i < body.length && !socket.destroyed) socket.write(body[i++]!);
    }, 20);
  });
  clearInterval(drip);
  assert.match(slow, /^HTTP\/1\.1 408 /);
  assert.match(slow, /"code":"request_timeout"/);
  assert.match(slow, /"temporary":true/);

  // Over maxBodyBytes.
  const big = JSON.stringify({ message: 'y'.repeat(2000) });
  const large = await rawRequest(node, '127.0.0.52', head(big.length), (socket) => socket.write(big));
  assert.match(large, /^HTTP\/1\.1 413 /);
  assert.match(large, /"code":"too_large"/);

  const events = await securityEvents(node);
  const slowEvent = events.find((e) => e.kind === 'slow_body')!;
  assert.equal(slowEvent.ip, '127.0.0.51');
  assert.match(slowEvent.detail, /POST \/api\/v1\/realtime\/chat\/rooms\/r1\/messages: request body not received within 300 ms/);
  assert.equal(events.find((e) => e.kind === 'body_too_large')?.ip, '127.0.0.52');
  const counted = (await node.metrics.abuseRefused.get()).values.map((v) => [v.labels.kind, v.value]).sort();
  assert.deepEqual(counted, [['body_too_large', 1], ['slow_body', 1]]);
});
