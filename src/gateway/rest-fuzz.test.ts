// Fuzzing the REST routes (issue 18): random and mutated bodies, path and
// query parameters to every route of PROTOCOL.md §10 (and haat's extensions),
// with and without tokens, against a node in its own process. Every answer
// must be a success or a JSON `{code, message, temporary}` whose code is in
// the catalogue with its HTTP status; never a 500, a reset, or a crash.
//
// HAAT_FUZZ_SEED (default: random, printed) and HAAT_FUZZ_REST_CALLS
// (default 20,000) replay or resize a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ERROR_CODES, isErrorCode } from '../errors.ts';
import { spawnNode } from '../testkit/node-process.ts';
import { TEST_SECRET, token } from '../testkit/node.ts';
import { withTimeout } from '../testkit/wait.ts';
import { Rng, junkText, mutateObject, mutateText, nastyString, nastyValue, NASTY_NUMBERS, serialize, deep } from '../testkit/fuzz.ts';

const SEED = process.env.HAAT_FUZZ_SEED === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(process.env.HAAT_FUZZ_SEED);
const CALLS = Number(process.env.HAAT_FUZZ_REST_CALLS ?? 20_000);
const PARALLEL = 24;
const WEBHOOK_SECRET = 'fuzz-webhook-secret';
const PREFIX = '/api/v1/realtime';
/** REST bodies are read up to 256 KB (rest.ts MAX_BODY); a webhook's up to 16 KB. */
const MAX_BODY = 256 * 1024;

interface World {
  saleId: string;
  /** A sale not open yet (reminders are for those). */
  laterSaleId: string;
  auctionId: string;
  roomId: string;
}

type BodyGen = (r: Rng, w: World) => Record<string, unknown>;

interface Route {
  method: 'GET' | 'POST' | 'PUT';
  /** `:p` marks a path parameter. */
  path: string;
  /** A plausible body (write routes), which the fuzzer sends as is or damaged. */
  body?: BodyGen;
  /** Plausible path parameters. */
  params?: (r: Rng, w: World) => string;
  /** Query parameters the route reads. */
  query?: readonly string[];
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '+00:00');
const soon = (r: Rng): string => iso(Date.now() + (r.int(7200) - 600) * 1000);

const ROUTES: readonly Route[] = [
  { method: 'GET', path: 'health' },
  { method: 'GET', path: 'info' },
  { method: 'GET', path: 'stats' },
  { method: 'GET', path: 'admin/cluster' },
  { method: 'GET', path: 'admin/connections', query: ['limit', 'cursor'] },
  { method: 'GET', path: 'admin/channels', query: ['limit', 'cursor'] },
  { method: 'GET', path: 'admin/security-events', query: ['limit', 'cursor'] },
  { method: 'POST', path: 'admin/disconnect', body: (r) => (r.chance(0.5) ? { user_id: `u${r.int(9)}` } : { session_id: `s_${r.int(9)}`, reason: 'fuzz' }) },
  {
    method: 'POST',
    path: 'events/broadcast',
    body: (r) => {
      const p = `fz${r.int(20)}`;
      const b: Record<string, unknown> = { event_type: 'product_price_change', data: { product_id: p, new_price: 100 + r.int(900) } };
      if (r.chance(0.5)) b.channel = `product:${p}`;
      else b.channels = [`product:${p}`, `promo:fz${r.int(5)}`];
      if (r.chance(0.3)) b.client_msg_id = `b${r.int(1e5)}`;
      if (r.chance(0.2)) b.priority = r.pick(['low', 'normal', 'high']);
      return b;
    },
  },
  {
    method: 'POST',
    path: 'auctions',
    body: (r) => ({ ...(r.chance(0.5) ? { id: `fa${r.int(1e6)}` } : {}), product_id: `p${r.int(99)}`, starting_price: 100, min_increment: 5, starts_at: soon(r), ends_at: iso(Date.now() + 7_200_000), ...(r.chance(0.3) ? { soft_close_s: 30, extend_s: 30 } : {}) }),
  },
  { method: 'GET', path: 'auctions/:p', params: (r, w) => (r.chance(0.7) ? w.auctionId : `a${r.int(9)}`) },
  {
    method: 'POST',
    path: 'sales',
    body: (r) => ({ ...(r.chance(0.5) ? { id: `fs${r.int(1e6)}` } : {}), starts_at: soon(r), ends_at: iso(Date.now() + 7_200_000), per_user_limit: 1 + r.int(5), hold_s: 60, skus: [{ sku: 'k1', stock: r.int(100), ...(r.chance(0.5) ? { price: 99.5 } : {}) }] }),
  },
  { method: 'GET', path: 'sales/:p', params: (r, w) => (r.chance(0.7) ? w.saleId : `s${r.int(9)}`) },
  { method: 'POST', path: 'sales/:p/confirm', params: (r, w) => (r.chance(0.7) ? w.saleId : `s${r.int(9)}`), body: (r) => ({ reservation_id: `rsv_${r.int(20)}` }) },
  { method: 'POST', path: 'sales/:p/remind', params: (r, w) => (r.chance(0.7) ? w.laterSaleId : `s${r.int(9)}`), body: (r) => (r.chance(0.5) ? {} : { user_ids: [`u${r.int(9)}`], discount_percentage: r.int(90) }) },
  {
    method: 'POST',
    path: 'campaigns',
    body: (r) => ({
      ...(r.chance(0.5) ? { id: `fc${r.int(20)}` } : {}),
      notification_type: r.pick(['price_drop_alert', 'price_drop_alert', 'flash_sale_starting', 'nosuch']),
      audience: r.chance(0.5) ? { user_ids: [`u${r.int(9)}`] } : { channel: `promo:fz${r.int(5)}` },
      ...(r.chance(0.5) ? { starts_at: soon(r), ends_at: iso(Date.now() + 86_400_000) } : { festival: { name: r.pick(['eid_ul_fitr', 'eid_ul_adha', 'pohela_boishakh', 'nosuch']) } }),
      params: { product_name: 'phone', discount_percentage: 10, new_price: 999 },
    }),
  },
  { method: 'GET', path: 'campaigns/:p', params: (r) => `fc${r.int(20)}` },
  { method: 'PUT', path: 'presence', body: (r) => ({ status: r.pick(['online', 'away', 'busy', 'invisible']), ...(r.chance(0.5) ? { current_page: '/p/1', shopping_activity: { viewing: 'p1' } } : {}) }) },
  { method: 'GET', path: 'presence/bulk', query: ['user_ids'] },
  { method: 'GET', path: 'presence/:p', params: (r) => `u${r.int(9)}` },
  { method: 'GET', path: 'online-users', query: ['limit', 'cursor'] },
  {
    method: 'POST',
    path: 'notifications',
    body: (r) => ({ user_ids: [`u${r.int(9)}`, `u${r.int(9)}`], notification_type: r.pick(['price_drop_alert', 'price_drop_alert', 'auction_won', 'nosuch']), params: { product_name: 'phone', discount_percentage: 10, new_price: 999 }, data: { product_id: 'p1' }, ...(r.chance(0.3) ? { priority: 'high', ttl_s: 60 } : {}) }),
  },
  { method: 'GET', path: 'notifications', query: ['user_id', 'status', 'limit', 'cursor'] },
  { method: 'POST', path: 'chat/rooms', body: (r) => ({ type: r.pick(['customer_support', 'vendor', 'group']), participants: [{ user_id: `u${r.int(9)}`, ...(r.chance(0.5) ? { role: 'customer' } : {}) }], ...(r.chance(0.3) ? { metadata: { order_id: 'o1', priority: 'high' } } : {}) }) },
  { method: 'GET', path: 'chat/rooms', query: ['limit', 'cursor'] },
  { method: 'POST', path: 'chat/rooms/:p/join', params: (r, w) => (r.chance(0.7) ? w.roomId : `r_${r.int(9)}`) },
  { method: 'POST', path: 'chat/rooms/:p/messages', params: (r, w) => (r.chance(0.7) ? w.roomId : `r_${r.int(9)}`), body: (r) => ({ message: r.chance(0.7) ? `hello ${r.int(99)}` : nastyString(r), ...(r.chance(0.3) ? { client_msg_id: `m${r.int(1e5)}` } : {}) }) },
  { method: 'GET', path: 'chat/rooms/:p/messages', params: (r, w) => (r.chance(0.7) ? w.roomId : `r_${r.int(9)}`), query: ['limit', 'before', 'since', 'cursor'] },
  { method: 'PUT', path: 'chat/rooms/:p/read', params: (r, w) => (r.chance(0.7) ? w.roomId : `r_${r.int(9)}`), body: (r) => ({ offset: r.int(20) }) },
  {
    method: 'POST',
    path: 'payments/webhook/:p',
    params: (r) => r.pick(['bkash', 'bkash', 'nagad', 'rocket', 'paypal']),
    body: (r) => ({ payment_id: `pay${r.int(1e4)}`, order_id: `o${r.int(50)}`, user_id: `u${r.int(9)}`, amount: 100 + r.int(1e5) / 100, status: r.pick(['pending', 'success', 'failed', 'refunded']) }),
  },
];

/** Lines of the node's log at level error or fatal (pino: 50, 60): a failure the client may not have seen (an actor crash, a failed save). */
function errorLogLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /"level":(50|60)/.test(l));
}

/** encodeURIComponent, lone surrogates (which it refuses) made U+FFFD first. */
const enc = (s: string): string => encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** A path parameter: plausible, hostile, or badly percent-encoded. */
function param(r: Rng, route: Route, w: World): string {
  const roll = r.next();
  if (roll < 0.6 && route.params) return enc(route.params(r, w));
  if (roll < 0.75) return r.pick(['%E0%A4%A', '%', '%zz', '%00', '%2F..%2F', '..', '%ED%A0%80', '%C0%80', 'x'.repeat(300)]);
  return enc(nastyString(r)) || 'x';
}

function queryOf(r: Rng, route: Route): string {
  if (!route.query || r.chance(0.3)) return '';
  const q: string[] = [];
  for (const k of route.query) {
    if (r.chance(0.5)) continue;
    const v = r.chance(0.4) ? String(r.pick([...NASTY_NUMBERS, 1, 50, 500, 501, -5])) : r.chance(0.5) ? nastyString(r) : r.pick(['%E0%A4%A', 'eyJ4IjoxfQ', 'u1,u2,u3', Array.from({ length: 600 }, (_, i) => `u${i}`).join(','), 'queued', 'acked']);
    q.push(`${k}=${v.startsWith('%') ? v : enc(v)}`);
  }
  if (r.chance(0.2)) q.push(`lang=${r.pick(['bn', 'en', 'xx'])}`);
  return q.length === 0 ? '' : `?${q.join('&')}`;
}

/** A body: plausible, mutated, junk, damaged text, nested too deep, or over the size limit. */
function bodyOf(r: Rng, route: Route, w: World): { text: string | undefined; kind: string } {
  const plausible = route.body ? route.body(r, w) : { x: nastyValue(r) };
  const roll = r.next();
  if (roll < 0.35) return { text: serialize(plausible), kind: 'plausible' };
  if (roll < 0.65) return { text: serialize(mutateObject(r, plausible)), kind: 'mutated' };
  if (roll < 0.72) return { text: serialize({ ...plausible, future_member: nastyValue(r) }), kind: 'unknown_member' };
  if (roll < 0.8) return { text: junkText(r), kind: 'junk' };
  if (roll < 0.9) return { text: mutateText(r, serialize(plausible)), kind: 'mutated_text' };
  if (roll < 0.94) return { text: undefined, kind: 'none' };
  if (roll < 0.97) return { text: serialize({ ...plausible, nested: deep(100 + r.int(20_000), r.chance(0.5)) }), kind: 'deep' };
  if (roll < 0.99) return { text: serialize({ ...plausible, big: 'x'.repeat(r.chance(0.5) ? 20_000 : MAX_BODY) }), kind: 'oversize' };
  return { text: serialize([plausible]), kind: 'array' };
}

test(`REST fuzz: ${CALLS} random and mutated requests to every route are answered with a catalogued error or a success, never a 500 (seed ${SEED})`, { timeout: 600_000 }, async () => {
  process.stdout.write(`# rest fuzz seed ${SEED} (replay: HAAT_FUZZ_SEED=${SEED} HAAT_FUZZ_REST_CALLS=${CALLS})\n`);
  const node = await spawnNode({ HAAT_JWT_SECRET: TEST_SECRET, HAAT_NODE_ID: 'n-rest-fuzz', LOG_LEVEL: 'warn', HAAT_WEBHOOK_SECRET_BKASH: WEBHOOK_SECRET, HAAT_WEBHOOK_SECRET_NAGAD: WEBHOOK_SECRET });
  let exited: number | null | undefined;
  void node.exited.then((code) => (exited = code));
  try {
    const base = `http://127.0.0.1:${node.port}${PREFIX}`;
    const tokens = {
      none: undefined,
      garbage: 'not.a.jwt',
      expired: await token({ sub: 'u1', roles: ['customer'] }, { expiresIn: -10 }),
      wrong_secret: await token({ sub: 'u1', roles: ['admin'] }, { secret: 'another-secret' }),
      customer: await token({ sub: 'u1', roles: ['customer'] }),
      support: await token({ sub: 'u2', roles: ['support'] }),
      seller: await token({ sub: 'u3', roles: ['seller'] }),
      publisher: await token({ sub: 'u4', roles: ['publisher'] }),
      admin: await token({ sub: 'u5', roles: ['admin'] }),
    } as const;
    const h = (tok: string | undefined): Record<string, string> => ({ 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) });
    const now = Date.now();
    const sale = await fetch(`${base}/sales`, { method: 'POST', headers: h(tokens.publisher), body: JSON.stringify({ id: 'fz-sale', starts_at: iso(now - 60_000), ends_at: iso(now + 3_600_000), per_user_limit: 5, hold_s: 60, skus: [{ sku: 'k1', stock: 100 }] }) });
    assert.equal(sale.status, 201);
    const later = await fetch(`${base}/sales`, { method: 'POST', headers: h(tokens.publisher), body: JSON.stringify({ id: 'fz-sale-later', starts_at: iso(now + 3_600_000), ends_at: iso(now + 7_200_000), per_user_limit: 5, hold_s: 60, skus: [{ sku: 'k1', stock: 100 }] }) });
    assert.equal(later.status, 201);
    const auction = await fetch(`${base}/auctions`, { method: 'POST', headers: h(tokens.publisher), body: JSON.stringify({ id: 'fz-auction', product_id: 'p1', starting_price: 100, min_increment: 5, starts_at: iso(now - 60_000), ends_at: iso(now + 3_600_000) }) });
    assert.equal(auction.status, 201);
    const room = await fetch(`${base}/chat/rooms`, { method: 'POST', headers: h(tokens.customer), body: JSON.stringify({ type: 'group', participants: [{ user_id: 'u2' }, { user_id: 'u3' }] }) });
    assert.equal(room.status, 201);
    const w: World = { saleId: 'fz-sale', laterSaleId: 'fz-sale-later', auctionId: 'fz-auction', roomId: String(((await room.json()) as { id: string }).id) };

    const byStatus: Record<string, number> = {};
    const byCode: Record<string, number> = {};
    const failures: string[] = [];
    const fail = (msg: string): void => {
      if (failures.length < 50) failures.push(`[seed ${SEED}] ${msg}`);
    };
    const succeeded = new Set<string>();
    let done = 0;
    const started = Date.now();
    const worker = async (slot: number): Promise<void> => {
      const r = new Rng((SEED + Math.imul(slot + 1, 0x9e3779b1)) >>> 0);
      while (done < CALLS && exited === undefined) {
        done++;
        const route = r.pick(ROUTES);
        const path = route.path.replace(':p', () => param(r, route, w)) + queryOf(r, route);
        // A bad or missing token a fifth of the time; a real role otherwise, so that bodies get read.
        const tokName = r.chance(0.2) ? r.pick(['none', 'garbage', 'expired', 'wrong_secret'] as const) : r.pick(['customer', 'support', 'seller', 'publisher', 'admin'] as const);
        const headers = h(tokens[tokName]);
        const body = route.method === 'GET' ? { text: undefined, kind: 'none' } : bodyOf(r, route, w);
        if (route.path.startsWith('payments/') && body.text !== undefined && r.chance(0.6)) {
          headers['x-haat-signature'] = `sha256=${createHmac('sha256', r.chance(0.9) ? WEBHOOK_SECRET : 'wrong').update(body.text).digest('hex')}`;
        }
        if (r.chance(0.05)) headers['content-type'] = r.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']);
        if (r.chance(0.05)) headers['accept-language'] = r.pick(['bn', 'bn-BD,en;q=0.5', 'xx', '*']);
        const what = `${route.method} ${path.slice(0, 200)} token=${tokName} body=${body.kind}:${(body.text ?? '').slice(0, 200)}`;
        let res: Response;
        let text: string;
        try {
          // Now and then a method no route has (404 not_found, as JSON too).
          const method = r.chance(0.02) ? r.pick(['DELETE', 'PATCH', 'OPTIONS']) : route.method;
          res = await fetch(`${base}/${path}`, { method, headers, body: method === 'GET' ? undefined : body.text, signal: AbortSignal.timeout(15_000) });
          text = await res.text();
        } catch (err) {
          fail(`${what}: no answer (${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause: Error }).cause.message}` : ''})`);
          continue;
        }
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          fail(`${what}: answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
          continue;
        }
        if (res.status >= 200 && res.status < 300) succeeded.add(`${route.method} ${route.path}`);
        if (res.status >= 200 && res.status < 300) {
          if (typeof json !== 'object' || json === null) fail(`${what}: ${res.status} with ${text.slice(0, 200)}`);
          continue;
        }
        if (!isErrorCode(json.code)) {
          fail(`${what}: ${res.status} with an uncatalogued error ${text.slice(0, 300)}`);
          continue;
        }
        byCode[json.code] = (byCode[json.code] ?? 0) + 1;
        if (json.code === 'internal' || res.status >= 500 && json.code !== 'unavailable') fail(`${what}: ${res.status} ${text.slice(0, 300)}`);
        if (ERROR_CODES[json.code].status !== res.status) fail(`${what}: ${res.status} does not match ${json.code} (${ERROR_CODES[json.code].status}): ${text.slice(0, 300)}`);
        if (json.temporary !== ERROR_CODES[json.code].temporary || typeof json.message !== 'string') fail(`${what}: malformed error ${text.slice(0, 300)}`);
      }
    };
    await withTimeout(Promise.all(Array.from({ length: PARALLEL }, (_, i) => worker(i))), { timeoutMs: 540_000, what: `${CALLS} REST calls` });
    const secs = (Date.now() - started) / 1000;
    assert.equal(exited, undefined, `the node exited: ${node.stderr().slice(-3000)}`);
    assert.equal((await fetch(`${base}/health`)).status, 200);
    const fmt = (o: Record<string, number>): string => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
    process.stdout.write(`# rest fuzz summary: seed=${SEED} calls=${done} in ${secs.toFixed(1)} s by_status{${fmt(byStatus)}} errors_by_code{${fmt(byCode)}} routes_never_successful[${ROUTES.map((x) => `${x.method} ${x.path}`).filter((k) => !succeeded.has(k)).join(', ')}]\n`);
    const errors = errorLogLines(node.stderr());
    process.stdout.write(`# rest fuzz node log: ${errors.length} error lines${errors.length > 0 ? `, first: ${errors.slice(0, 3).join(' | ').slice(0, 1500)}` : ''}\n`);
    assert.deepEqual(failures, []);
    assert.deepEqual(errors.slice(0, 5), [], 'the node logged errors');
    assert.equal(byStatus['500'] ?? 0, 0);
  } finally {
    node.child.kill('SIGTERM');
    await withTimeout(node.exited, { timeoutMs: 15_000, what: 'the node to exit' }).catch(() => node.child.kill('SIGKILL'));
  }
});
