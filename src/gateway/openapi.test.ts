// The REST document (GET openapi.json) against the router: every mounted route
// documented and every documented route mounted (the Routes registry records
// them), the document valid OpenAPI 3.1, its examples valid against their
// schemas, and a live node answering as documented.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TemplatedApp } from 'uWebSockets.js';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { silentLogger } from '../log/logger.ts';
import { signBody } from '../security/webhook-signature.ts';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { documentedBodies, documentedRoutes, openApiDocument, REST_PREFIX, type OpenApiDocument } from './openapi.ts';
import { mountRest, type RestDeps } from './rest.ts';
import { mountAdminPage } from '../admin/page-route.ts';

// ajv-formats is CommonJS: its default export is the module object under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, unknown>;
const doc = openApiDocument();
const key = (r: { method: string; path: string }): string => `${r.method} ${r.path}`;

/**
 * The routes mountRest mounts, as its registry recorded them, and as the uWS
 * app saw them (an app that only takes the calls): a route mounted on the app
 * behind the registry's back shows in the second list only.
 */
function mountedRoutes(): { recorded: string[]; onApp: string[]; page: string[] } {
  const onApp: string[] = [];
  const METHODS: Record<string, string> = { get: 'GET', post: 'POST', put: 'PUT', del: 'DELETE', patch: 'PATCH', options: 'OPTIONS', head: 'HEAD', connect: 'CONNECT', trace: 'TRACE', any: 'ANY' };
  const app: TemplatedApp = new Proxy({} as TemplatedApp, {
    get:
      (_t, prop) =>
      (...args: unknown[]) => {
        const method = METHODS[String(prop)];
        if (method !== undefined) onApp.push(`${method} ${String(args[0])}`);
        return app;
      },
  });
  const deps = { app, logger: silentLogger(), gateway: { securityLog: {} }, webhooks: { secrets: {} }, users: {}, metrics: {} } as unknown as RestDeps;
  const recorded = mountRest(deps).records.map(key).sort();
  const rest = [...onApp].sort();
  // The dashboard page (outside the REST registry): the page itself is documented; its scripts and styles are its parts.
  onApp.length = 0;
  mountAdminPage(app);
  return { recorded, onApp: rest, page: onApp.filter((r) => r === 'GET /admin') };
}

test('every mounted route is in the REST document, and every documented route is mounted', () => {
  const { recorded, onApp, page } = mountedRoutes();
  // The only calls past the registry are the two not-found fallbacks.
  assert.deepEqual(onApp, [...recorded, 'ANY /*', 'ANY /api/v1/realtime/*'].sort(), 'routes mounted on the uWS app directly: mount them through the Routes registry (routes.ts)');
  const documented = documentedRoutes().map(key).sort();
  const mounted = [...recorded, ...page].sort();
  assert.deepEqual(page, ['GET /admin'], 'the dashboard page is mounted');
  assert.ok(mounted.length >= 30, `the registry saw ${mounted.length} routes`);
  assert.deepEqual(
    mounted.filter((r) => !documented.includes(r)),
    [],
    'mounted but undocumented: describe them in src/gateway/openapi.ts',
  );
  assert.deepEqual(
    documented.filter((r) => !mounted.includes(r)),
    [],
    'documented but not mounted: remove them from src/gateway/openapi.ts or mount them',
  );
  for (const must of ['GET /api/v1/realtime/openapi.json', 'GET /metrics', 'GET /admin', 'POST /api/v1/realtime/payments/webhook/:provider', 'GET /api/v1/realtime/auctions/:id']) assert.ok(documented.includes(must), must);
});

test('the document is valid OpenAPI 3.1 (official schemas, via @seriousme/openapi-schema-validator)', async () => {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc) as never);
  assert.deepEqual(result, { valid: true });
  assert.equal(validator.version, '3.1');
});

/** Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) that knows the document's component schemas. */
function schemaChecker(d: OpenApiDocument): (schema: Json) => ValidateFunction {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  const BASE = 'https://haat.invalid/openapi/schemas/';
  const relink = (s: unknown): Json => JSON.parse(JSON.stringify(s).replaceAll('"#/components/schemas/', `"${BASE}`)) as Json;
  for (const [name, s] of Object.entries((d.components as { schemas: Record<string, Json> }).schemas)) ajv.addSchema({ ...relink(s), $id: BASE + name });
  return (schema) => ajv.compile(relink(schema));
}

function mustMatch(check: ValidateFunction, value: unknown, where: string): void {
  assert.ok(check(value), `${where}: ${JSON.stringify(check.errors)}\n${JSON.stringify(value)}`);
}

test('every example in the document matches its schema (ajv, draft 2020-12, formats)', () => {
  const compile = schemaChecker(doc);
  let checked = 0;
  const media = (content: Record<string, { schema?: Json; examples?: Record<string, { value: unknown }> }>, where: string): void => {
    for (const [type, m] of Object.entries(content)) {
      for (const [name, ex] of Object.entries(m.examples ?? {})) {
        assert.ok(m.schema, `${where} ${type}: an example without a schema`);
        mustMatch(compile(m.schema), ex.value, `${where} ${type} example ${name}`);
        checked++;
      }
    }
  };
  const components = doc.components as { responses: Record<string, { content: Parameters<typeof media>[0] }> };
  for (const [name, r] of Object.entries(components.responses)) media(r.content, `components.responses.${name}`);
  let bodies = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const p of (op.parameters ?? []) as { name: string; schema: Json; example: unknown }[]) {
        mustMatch(compile(p.schema), p.example, `${where} parameter ${p.name}`);
        checked++;
      }
      const body = op.requestBody as { content: Parameters<typeof media>[0] } | undefined;
      if (body) {
        assert.ok(Object.keys(body.content['application/json']?.examples ?? {}).length > 0, `${where}: a request body without an example`);
        media(body.content, `${where} request`);
        bodies++;
      }
      for (const [status, r] of Object.entries(op.responses as Record<string, { content?: Parameters<typeof media>[0] }>)) if (r.content) media(r.content, `${where} ${status}`);
    }
  }
  assert.equal(bodies, documentedBodies().length);
  assert.ok(checked > 60, `only ${checked} examples checked`);
});

test('every request example is accepted by the zod schema that validates that body (refinements included)', () => {
  const bodies = documentedBodies();
  assert.ok(bodies.length >= 13);
  for (const b of bodies) {
    const parsed = b.schema.safeParse(b.example);
    assert.ok(parsed.success, `${b.route}: ${JSON.stringify(parsed.error?.issues)}`);
  }
});

test('request body schemas follow the zod schemas: a member a strict body does not know is refused by both', () => {
  const compile = schemaChecker(doc);
  const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
  let strict = 0;
  for (const b of documentedBodies()) {
    const [method, path] = b.route.split(' ') as [string, string];
    const op = doc.paths[path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]![method.toLowerCase()]!;
    const ref = ((op.requestBody as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']!.schema.$ref).split('/').pop()!;
    if (schemas[ref]!.additionalProperties !== false) continue;
    strict++;
    const extra = { ...(b.example as Json), not_a_member: 1 };
    assert.equal(b.schema.safeParse(extra).success, false, `${b.route}: zod`);
    assert.equal(compile({ $ref: `#/components/schemas/${ref}` })(extra), false, `${b.route}: the document`);
  }
  assert.ok(strict >= 5);
});

// ---- a live node ----

const SECRET = 'openapi-test-bkash-secret';
let node: TestNode;
const tokens: Record<'admin' | 'publisher' | 'customer' | 'agent', string> = { admin: '', publisher: '', customer: '', agent: '' };
const compileLive = schemaChecker(doc);

before(async () => {
  node = await startTestNode({ webhooks: { secrets: { bkash: SECRET, nagad: null, rocket: null } } });
  [tokens.admin, tokens.publisher, tokens.customer, tokens.agent] = await Promise.all([
    token({ sub: 'oa-admin', roles: ['admin'] }),
    token({ sub: 'oa-pub', roles: ['publisher'] }),
    token({ sub: 'oa-c', roles: ['customer'] }),
    token({ sub: 'agent7', roles: ['support'] }),
  ]);
});
after(async () => {
  await node.stop();
});

interface Call {
  method: string;
  /** A path of the document, `{name}` for a parameter. */
  path: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  as?: keyof typeof tokens;
  headers?: Record<string, string>;
}

/** Calls the live node and checks that the status is documented for the operation and the body matches its schema. */
async function call(c: Call): Promise<{ status: number; body: unknown }> {
  const op = doc.paths[c.path]?.[c.method.toLowerCase()];
  assert.ok(op, `${c.method} ${c.path} is not documented`);
  const url = c.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => encodeURIComponent(c.params?.[name] ?? 'x')) + (c.query ? `?${new URLSearchParams(c.query)}` : '');
  const headers: Record<string, string> = { ...c.headers };
  if (c.as) headers.authorization = `Bearer ${tokens[c.as]}`;
  let raw: string | undefined;
  if (c.body !== undefined) {
    headers['content-type'] = 'application/json';
    raw = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  }
  const res = await fetch(node.http(url), { method: c.method, headers, ...(raw === undefined ? {} : { body: raw }) });
  const text = await res.text();
  assert.ok(res.status < 500 || res.status === 503, `${c.method} ${url} answered ${res.status}: ${text.slice(0, 200)}`);
  const responses = op.responses as Record<string, { $ref?: string; content?: Record<string, { schema?: Json }> }>;
  const documented = responses[String(res.status)];
  assert.ok(documented, `${c.method} ${url} answered ${res.status}, not documented (${text.slice(0, 200)})`);
  const response = documented.$ref ? (doc.components as { responses: Record<string, typeof documented> }).responses[documented.$ref.split('/').pop()!]! : documented;
  const [type, m] = Object.entries(response.content ?? {})[0] ?? [];
  assert.ok(type && m, `${c.method} ${c.path} ${res.status}: no documented content`);
  assert.equal(res.headers.get('content-type')?.split(';')[0], type.split(';')[0], `${c.method} ${url}: content type`);
  const body: unknown = type.startsWith('application/json') ? JSON.parse(text) : text;
  if (m.schema) mustMatch(compileLive(m.schema), body, `${c.method} ${url} ${res.status}`);
  return { status: res.status, body };
}

test('GET openapi.json needs no token and serves the document', async () => {
  const res = await fetch(node.http(`${REST_PREFIX}/openapi.json`));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.deepEqual(await res.json(), JSON.parse(JSON.stringify(doc)));
});

test('every documented operation is served: never the no-route 404; a token is required exactly where documented', async () => {
  const ex = (p: { name: string; in: string; example: unknown }[] | undefined, where: string): Record<string, string> => Object.fromEntries((p ?? []).filter((x) => x.in === where).map((x) => [x.name, String(x.example)]));
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = op.parameters as { name: string; in: string; example: unknown }[] | undefined;
      const { status, body } = await call({ method: method.toUpperCase(), path, params: ex(params, 'path'), ...(op.requestBody ? { body: {} } : {}) });
      const noRoute = status === 404 && typeof body === 'object' && body !== null && String((body as Json).message).startsWith('no route');
      assert.ok(!noRoute, `${method.toUpperCase()} ${path}: not mounted on the node`);
      const needsToken = op.security === undefined; // the document's default: bearerAuth
      if (needsToken) assert.equal(status, 401, `${method.toUpperCase()} ${path} without a token`);
      // The webhook has no bearer token but a signature header: unsigned, it is 401.
      else if (!params?.some((p) => p.in === 'header')) assert.notEqual(status, 401, `${method.toUpperCase()} ${path} is documented as needing no token`);
    }
  }
});

test('the node answers as documented: operations, commerce, presence, notifications, chat, campaigns, webhook', async () => {
  const inAnHour = (min: number): string => new Date(Date.now() + min * 60_000).toISOString();
  const ok = async (c: Call, status = 200): Promise<Json> => {
    const r = await call(c);
    assert.equal(r.status, status, `${c.method} ${c.path}: ${JSON.stringify(r.body)}`);
    return r.body as Json;
  };
  const P = REST_PREFIX;
  const example = (path: string, method = 'post'): Json => {
    const content = (doc.paths[path]![method]!.requestBody as { content: Record<string, { examples: Record<string, { value: Json }> }> }).content['application/json']!;
    return structuredClone(content.examples.example!.value);
  };

  await ok({ method: 'GET', path: `${P}/health` });
  for (const path of ['info', 'stats', 'admin/cluster', 'admin/connections', 'admin/channels', 'admin/security-events']) await ok({ method: 'GET', path: `${P}/${path}`, as: 'admin' });
  await ok({ method: 'GET', path: '/metrics' });
  await ok({ method: 'GET', path: '/admin' });
  await ok({ method: 'POST', path: `${P}/events/broadcast`, as: 'publisher', body: example(`${P}/events/broadcast`) });
  await ok({ method: 'POST', path: `${P}/admin/disconnect`, as: 'admin', body: { user_id: 'nobody-here' } });
  assert.equal((await call({ method: 'GET', path: `${P}/stats`, as: 'customer' })).status, 403);
  const bengali = await call({ method: 'GET', path: `${P}/info`, query: { lang: 'bn' } });
  assert.equal(bengali.status, 401);
  assert.match(String((bengali.body as Json).message), /[\u0980-\u09FF]/, 'the documented ?lang=bn gives a Bengali message');

  // Commerce: the examples, moved to the next hour so that they are in the future.
  const auction = { ...example(`${P}/auctions`), id: 'a_openapi', starts_at: inAnHour(60), ends_at: inAnHour(120) };
  await ok({ method: 'POST', path: `${P}/auctions`, as: 'publisher', body: auction }, 201);
  assert.equal((await call({ method: 'POST', path: `${P}/auctions`, as: 'publisher', body: auction })).status, 409);
  assert.equal((await call({ method: 'POST', path: `${P}/auctions`, as: 'publisher', body: { ...auction, starting_price: 1.234 } })).status, 400);
  await ok({ method: 'GET', path: `${P}/auctions/{id}`, params: { id: 'a_openapi' } });
  assert.equal((await call({ method: 'GET', path: `${P}/auctions/{id}`, params: { id: 'a_none' } })).status, 404);
  const sale = { ...example(`${P}/sales`), id: 's_openapi', starts_at: inAnHour(60), ends_at: inAnHour(120) };
  await ok({ method: 'POST', path: `${P}/sales`, as: 'publisher', body: sale }, 201);
  await ok({ method: 'GET', path: `${P}/sales/{id}`, params: { id: 's_openapi' }, as: 'customer' });
  await ok({ method: 'POST', path: `${P}/sales/{id}/remind`, params: { id: 's_openapi' }, as: 'publisher', body: example(`${P}/sales/{id}/remind`) });
  await ok({ method: 'POST', path: `${P}/sales/{id}/remind`, params: { id: 's_openapi' }, as: 'customer', body: {} });
  assert.equal((await call({ method: 'POST', path: `${P}/sales/{id}/remind`, params: { id: 's_openapi' }, as: 'customer', body: { user_ids: ['u9'] } })).status, 403);
  const confirm = await call({ method: 'POST', path: `${P}/sales/{id}/confirm`, params: { id: 's_openapi' }, as: 'publisher', body: example(`${P}/sales/{id}/confirm`) });
  assert.ok(confirm.status === 404 || confirm.status === 409, `no such reservation: ${confirm.status}`);

  // Presence and notifications.
  await ok({ method: 'PUT', path: `${P}/presence`, as: 'customer', body: example(`${P}/presence`, 'put') });
  await ok({ method: 'GET', path: `${P}/presence/{user_id}`, params: { user_id: 'oa-c' }, as: 'customer' });
  await ok({ method: 'GET', path: `${P}/presence/bulk`, query: { user_ids: 'oa-c,never-seen' }, as: 'customer' });
  await ok({ method: 'GET', path: `${P}/online-users`, as: 'admin' });
  await ok({ method: 'POST', path: `${P}/notifications`, as: 'publisher', body: { ...example(`${P}/notifications`), user_ids: ['oa-c'] } }, 202);
  const listed = await ok({ method: 'GET', path: `${P}/notifications`, as: 'customer' });
  assert.equal((listed.notifications as unknown[]).length, 1);

  // Chat: the customer opens a support room with agent7.
  const room = await ok({ method: 'POST', path: `${P}/chat/rooms`, as: 'customer', body: example(`${P}/chat/rooms`) }, 201);
  const params = { room_id: String(room.id) };
  await ok({ method: 'POST', path: `${P}/chat/rooms/{room_id}/join`, params, as: 'agent' });
  await ok({ method: 'POST', path: `${P}/chat/rooms/{room_id}/messages`, params, as: 'customer', body: example(`${P}/chat/rooms/{room_id}/messages`) }, 201);
  const msgs = await ok({ method: 'GET', path: `${P}/chat/rooms/{room_id}/messages`, params, as: 'agent' });
  assert.equal((msgs.messages as unknown[]).length, 1);
  await ok({ method: 'GET', path: `${P}/chat/rooms`, as: 'agent' });
  await ok({ method: 'PUT', path: `${P}/chat/rooms/{room_id}/read`, params, as: 'agent', body: { offset: 1 } });

  // Campaigns.
  await ok({ method: 'POST', path: `${P}/campaigns`, as: 'publisher', body: { ...example(`${P}/campaigns`), id: 'c_openapi', festival: undefined, starts_at: inAnHour(60), ends_at: inAnHour(120) } }, 201);
  await ok({ method: 'GET', path: `${P}/campaigns/{id}`, params: { id: 'c_openapi' }, as: 'publisher' });

  // The payment webhook, signed as documented.
  const payment = JSON.stringify(example(`${P}/payments/webhook/{provider}`));
  await ok({ method: 'POST', path: `${P}/payments/webhook/{provider}`, params: { provider: 'bkash' }, body: payment, headers: { 'x-haat-signature': signBody(SECRET, payment) } });
  assert.equal((await call({ method: 'POST', path: `${P}/payments/webhook/{provider}`, params: { provider: 'bkash' }, body: payment, headers: { 'x-haat-signature': signBody('wrong', payment) } })).status, 401);
  assert.equal((await call({ method: 'POST', path: `${P}/payments/webhook/{provider}`, params: { provider: 'paypal' }, body: payment })).status, 404);
});
