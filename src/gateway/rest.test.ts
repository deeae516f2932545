// REST basics of PROTOCOL.md §10 and /metrics, black-box with fetch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { waitFor } from '../testkit/wait.ts';

let node: TestNode;
let admin: string;
let publisher: string;
let customer: string;
before(async () => {
  node = await startTestNode();
  [admin, publisher, customer] = await Promise.all([token({ sub: 'a', roles: ['admin'] }), token({ sub: 'p', roles: ['publisher'] }), token({ sub: 'c', roles: ['customer'] })]);
});
after(async () => {
  await node.stop();
});

const get = (path: string, bearer?: string): Promise<Response> => fetch(node.http(`/api/v1/realtime/${path}`), { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
const post = (path: string, body: unknown, bearer?: string): Promise<Response> =>
  fetch(node.http(`/api/v1/realtime/${path}`), { method: 'POST', headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('GET health needs no token and reports each part', async () => {
  const res = await get('health');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok', node: 'n-test', checks: { engine: 'ok (memory: in this process)', store: 'ok (memory: in this process)', actors: 'ok', gateway: 'ok' } });
});

test('GET info and stats are for admins: 401 without a token, 403 for others', async () => {
  assert.equal((await get('info')).status, 401);
  const forbidden = await get('stats', customer);
  assert.equal(forbidden.status, 403);
  assert.deepEqual(await forbidden.json(), { code: 'forbidden', message: 'admin role required', temporary: false });
  const info = (await (await get('info', admin)).json()) as { node: string; engine: string; store: string; uws: { native: boolean } };
  assert.equal(info.node, 'n-test');
  assert.equal(info.engine, 'memory');
  assert.equal(info.store, 'memory');
  assert.equal(info.uws.native, true);
});

test('GET stats counts connections, channels and messages from live counters', async () => {
  const c = await node.connect();
  await c.request({ type: 'join_channel', channels: ['product:stats'] });
  for (let i = 0; i < 5; i++) await c.request({ type: 'ping' });
  const stats = (await (await get('stats', admin)).json()) as { connections: number; channels: number; totals: { frames_in: number; frames_out: number } };
  assert.equal(stats.connections, 1);
  assert.equal(stats.channels, 1);
  assert.ok(stats.totals.frames_in >= 6);
  assert.ok(stats.totals.frames_out >= 7);
  await c.close();
});

test('POST events/broadcast reaches subscribers of one or many channels', async () => {
  const sub = await node.connect();
  await sub.request({ type: 'join_channel', channels: ['product:r1', 'category:r2'] });
  const res = await post('events/broadcast', { channels: ['product:r1', 'category:r2'], event_type: 'flash_sale_starting', data: { sale_id: 's1' }, priority: 'high' }, publisher);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { ok: boolean; events: { channel: string; id: string; offset: number }[] };
  assert.equal(body.ok, true);
  assert.deepEqual(body.events.map((e) => [e.channel, e.offset]), [['product:r1', 1], ['category:r2', 1]]);
  const e1 = await sub.next((f) => f.type === 'event' && f.channel === 'product:r1');
  const e2 = await sub.next((f) => f.type === 'event' && f.channel === 'category:r2');
  assert.equal(e1.id, body.events[0]!.id);
  assert.equal(e2.priority, 'high');
  const single = await post('events/broadcast', { channel: 'product:r1', event_type: 'x', data: {}, client_msg_id: 'rest-1' }, publisher);
  const repeat = await post('events/broadcast', { channel: 'product:r1', event_type: 'x', data: {}, client_msg_id: 'rest-1' }, publisher);
  assert.deepEqual(await repeat.json(), await single.json(), 'idempotent on client_msg_id');
  await sub.close();
});

test('POST events/broadcast: errors with the right status and catalogue body', async () => {
  assert.equal((await post('events/broadcast', { channel: 'product:x', event_type: 'x', data: {} })).status, 401);
  assert.equal((await post('events/broadcast', { channel: 'product:x', event_type: 'x', data: {} }, customer)).status, 403);
  const bad = await post('events/broadcast', '{oops', publisher);
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, 'bad_request');
  const both = await post('events/broadcast', { channel: 'product:x', channels: ['product:y'], event_type: 'x', data: {} }, publisher);
  assert.equal(both.status, 400);
  const badName = await post('events/broadcast', { channel: 'nope', event_type: 'x', data: {} }, publisher);
  assert.equal(badName.status, 400);
  const admOnly = await post('events/broadcast', { channel: 'admin:ops', event_type: 'x', data: {} }, admin);
  assert.equal(admOnly.status, 403);
  const missing = await fetch(node.http('/api/v1/realtime/nowhere'));
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { code: 'not_found', message: 'no route GET /api/v1/realtime/nowhere', temporary: false });
});

test('GET /metrics exposes connections, frames, errors and the fan-out latency histogram', async () => {
  const c = await node.connect();
  await c.request({ type: 'teleport' });
  await c.request({ type: 'join_channel', channels: ['product:m'] });
  await post('events/broadcast', { channel: 'product:m', event_type: 'x', data: {} }, publisher);
  await c.next((f) => f.type === 'event');
  const res = await fetch(node.http('/metrics'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  assert.match(text, /^haat_connections 1$/m);
  assert.match(text, /^haat_frames_in_total\{type="join_channel"\} [1-9]/m);
  assert.match(text, /^haat_errors_total\{code="unknown_type"\} [1-9]/m);
  assert.match(text, /^haat_fanout_latency_seconds_count [1-9]/m);
  assert.match(text, /^haat_frames_out_total [1-9]/m);
  await c.close();
});

test('GET metrics: the JS heap of the main thread and of every host thread (checked every second)', async () => {
  const gauge = (text: string, thread: string, kind: string): number => Number(new RegExp(`^haat_thread_heap_bytes\\{thread="${thread}",kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const text = await waitFor(
    async () => (await fetch(node.http('/metrics'))).text(),
    (t) => gauge(t, 'main', 'used') > 0 && gauge(t, 'host-0', 'used') > 0,
    { timeoutMs: 5_000, what: 'heap gauges of main and host-0' },
  );
  for (const thread of ['main', 'host-0']) assert.ok(gauge(text, thread, 'committed') >= gauge(text, thread, 'used'), `${thread}: committed >= used`);
});

test('admin: list connections and channels page by page, disconnect a user with 4003', async () => {
  const u1 = await node.connect({ token: await token({ sub: 'kick-me' }) });
  const u1b = await node.connect({ token: await token({ sub: 'kick-me' }) });
  const other = await node.connect({ token: await token({ sub: 'stay' }) });
  await other.request({ type: 'join_channel', channels: ['product:adm1', 'product:adm2'] });
  assert.equal((await get('admin/connections', customer)).status, 403);
  const seen: { session_id: string; user_id: string | null }[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const res = await get(`admin/connections?limit=2${cursor ? `&cursor=${cursor}` : ''}`, admin);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { connections: { session_id: string; user_id: string | null }[]; next_cursor: string | null };
    assert.ok(body.connections.length <= 2);
    seen.push(...body.connections);
    cursor = body.next_cursor;
  }
  assert.deepEqual(seen.map((c) => c.user_id).sort(), ['kick-me', 'kick-me', 'stay']);
  const channels = (await (await get('admin/channels', admin)).json()) as { channels: { channel: string; subscribers: number }[] };
  assert.deepEqual(channels.channels.filter((c) => c.channel.startsWith('product:adm')), [{ channel: 'product:adm1', subscribers: 1 }, { channel: 'product:adm2', subscribers: 1 }]);
  assert.equal((await get('admin/connections?limit=0', admin)).status, 400);
  assert.equal((await post('admin/disconnect', { user_id: 'x', session_id: 'y' }, admin)).status, 400);
  const res = await post('admin/disconnect', { user_id: 'kick-me', reason: 'fraud review' }, admin);
  assert.deepEqual(await res.json(), { ok: true, disconnected: 2 });
  assert.deepEqual(await u1.closed, { code: 4003, reason: 'fraud review' });
  assert.equal((await u1b.closed).code, 4003);
  assert.equal((await other.request({ type: 'ping' })).type, 'pong');
  await other.close();
});

test('a malformed percent-escape in a path parameter is 400 bad_request, and the node keeps serving', async () => {
  for (const path of ['auctions/%E0%A4%A', 'sales/%zz', 'presence/%']) {
    const res = await get(path, customer);
    assert.equal(res.status, 400, path);
    assert.equal(((await res.json()) as { code: string }).code, 'bad_request');
  }
  assert.equal((await get('health')).status, 200);
});
