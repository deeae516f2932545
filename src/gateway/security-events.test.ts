// GET admin/security-events (PROTOCOL.md §10), black-box: each kind the
// gateway reports, newest first, paginated, admins only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { TestClient } from '../testkit/ws-client.ts';

type SecurityEvent = { ts: string; kind: string; node: string; user_id: string | null; session_id: string | null; ip: string | null; detail: string };
let node: TestNode;
let admin: string;
before(async () => {
  node = await startTestNode({ gateway: { maxConnectionsPerUser: 1 } });
  admin = await token({ sub: 'root', roles: ['admin'] });
});
after(async () => {
  await node.stop();
});

const api = (path: string, bearer: string, init: RequestInit = {}): Promise<Response> =>
  fetch(node.http(`/api/v1/realtime/${path}`), { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` } });

async function allEvents(limit: number): Promise<SecurityEvent[]> {
  const out: SecurityEvent[] = [];
  let cursor: string | null = '';
  for (let pages = 0; cursor !== null; pages++) {
    assert.ok(pages < 100, 'pagination ends');
    const res = await api(`admin/security-events?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, admin);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { events: SecurityEvent[]; next_cursor: string | null };
    assert.ok(body.events.length <= limit);
    out.push(...body.events);
    cursor = body.next_cursor;
  }
  return out;
}

test('flooding, rate_limited bursts, connection_limit, bad_token and admin_disconnect are recorded', { timeout: 20_000 }, async () => {
  // rate_limited: a burst over the limit is one event, not one per refused frame.
  const hasty = await node.connect();
  const answers = await Promise.all(Array.from({ length: 80 }, () => hasty.request({ type: 'ping' })));
  assert.ok(answers.filter((f) => f.type === 'error').length >= 30);
  const hastySession = String(hasty.frames[0]!.session_id);
  // flooding: closed with 4008.
  const flooder = await node.connect();
  const flooderSession = String(flooder.frames[0]!.session_id);
  for (let i = 0; i < 1200; i++) flooder.sendRaw('{"type":"ping"}');
  assert.equal((await flooder.closed).code, 4008);
  // connection_limit: one connection per user here.
  const t = await token({ sub: 'greedy' });
  const first = await node.connect({ token: t });
  const second = await TestClient.open(node.url({ token: t }));
  assert.equal((await second.closed).code, 4029);
  // bad_token: the upgrade is refused with 401.
  await assert.rejects(node.connect({ token: 'not-a-jwt' }), (e: { status?: number }) => e.status === 401);
  // admin_disconnect.
  const res = await api('admin/disconnect', admin, { method: 'POST', body: JSON.stringify({ user_id: 'greedy', reason: 'fraud review' }) });
  assert.deepEqual(await res.json(), { ok: true, disconnected: 1 });
  assert.equal((await first.closed).code, 4003);

  const events = await allEvents(2);
  const kinds = events.map((e) => e.kind);
  assert.deepEqual(kinds.slice(0, 3), ['admin_disconnect', 'bad_token', 'connection_limit'], 'newest first');
  assert.ok(kinds.includes('flooding'));
  assert.equal(events.filter((e) => e.kind === 'rate_limited' && e.session_id === hastySession).length, 1, 'one event for the burst');
  const flood = events.find((e) => e.kind === 'flooding')!;
  assert.equal(flood.session_id, flooderSession);
  assert.equal(flood.node, 'n-test');
  assert.match(flood.ts, /\+06:00$/);
  assert.match(String(flood.ip), /^127\.\d+\.\d+\.\d+$/, 'the client address (test clients connect from random loopback addresses)');
  const limit = events.find((e) => e.kind === 'connection_limit')!;
  assert.equal(limit.user_id, 'greedy');
  const bad = events.find((e) => e.kind === 'bad_token')!;
  assert.equal(bad.user_id, null);
  assert.equal(bad.session_id, null);
  assert.ok(bad.detail.length > 0);
  const kick = events.find((e) => e.kind === 'admin_disconnect')!;
  assert.equal(kick.user_id, 'greedy');
  assert.match(kick.detail, /fraud review/);
  for (const e of events) assert.deepEqual(Object.keys(e).sort(), ['detail', 'ip', 'kind', 'node', 'session_id', 'ts', 'user_id']);
  await hasty.close();
});

test('admin/security-events is for admins and checks limit and cursor', { timeout: 10_000 }, async () => {
  assert.equal((await api('admin/security-events', await token({ sub: 'c', roles: ['customer'] }))).status, 403);
  assert.equal((await fetch(node.http('/api/v1/realtime/admin/security-events'))).status, 401);
  assert.equal((await api('admin/security-events?limit=0', admin)).status, 400);
  assert.equal((await api('admin/security-events?cursor=bm9wZQ', admin)).status, 400);
});

test('?kind= lists only the kinds named (an extension); an unknown kind is 400', { timeout: 10_000 }, async () => {
  const res = await api('admin/security-events?kind=bad_token,admin_disconnect&limit=1', admin);
  assert.equal(res.status, 200);
  const first = (await res.json()) as { events: SecurityEvent[]; next_cursor: string | null };
  assert.deepEqual(first.events.map((e) => e.kind), ['admin_disconnect']);
  const next = (await (await api(`admin/security-events?kind=bad_token,admin_disconnect&limit=5&cursor=${first.next_cursor}`, admin)).json()) as { events: SecurityEvent[]; next_cursor: string | null };
  assert.deepEqual([next.events.map((e) => e.kind), next.next_cursor], [['bad_token'], null]);
  const bad = await api('admin/security-events?kind=spam,nonsense', admin);
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /nonsense/);
});
