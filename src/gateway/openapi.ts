// The REST document (PROTOCOL.md §10, GET openapi.json): OpenAPI 3.1 of every
// route that mountRest mounts. Request bodies are the JSON Schema (2020-12,
// the dialect of OpenAPI 3.1) of the very zod schemas that validate them;
// answers are described by the zod schemas below, which only document.
// openapi.test.ts fails when a mounted route is missing here or a route here
// is not mounted (routes.ts records them), and validates the document and
// its examples.
import { z } from 'zod';
import { auctionBody, confirmBody, remindBody, saleBody } from './commerce-bodies.ts';
import { campaignBody } from './campaign-bodies.ts';
import { roomBody, messageBody, readBody } from './chat-rest.ts';
import { broadcastBody } from './frames.ts';
import { webhookBody } from './payment-webhook-rest.ts';
import { disconnectBody } from './rest.ts';
import type { HttpMethod, RouteRecord } from './routes.ts';
import { notificationsBody, presenceBody } from './user-rest.ts';
import { SECURITY_EVENT_KINDS } from '../security/security-log.ts';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';

export const REST_PREFIX = '/api/v1/realtime';

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 of a zod schema: what a request may be (`input`) or what an answer is (`output`). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

// ---- answers (documentation only; the actors build them) ----

const dhakaTime = z.iso.datetime({ offset: true }).describe('ISO 8601 in Asia/Dhaka (+06:00)');
const cursor = z.string().nullable().describe('opaque; null at the end of the list');

const errorBody = z
  .object({
    code: z.string().describe('PROTOCOL.md §9 catalogue code, e.g. bad_request'),
    message: z.string().describe('in the language of the request (?lang=, Accept-Language, the token)'),
    temporary: z.boolean().describe('true: the same request may succeed later'),
    retry_after_ms: z.number().int().min(0).optional(),
    id: z.string().optional().describe('internal errors: the id of the server log line'),
  })
  .describe('Every REST error (PROTOCOL.md §10)');

const health = z.looseObject({ status: z.enum(['ok', 'unavailable']), node: z.string(), checks: z.record(z.string(), z.string()) });
const info = z.looseObject({ version: z.string(), node: z.string(), engine: z.string(), store: z.string(), uws: z.looseObject({}), config: z.looseObject({}) });
const stats = z.looseObject({ connections: z.number().int(), channels: z.number().int(), messages_in_per_s: z.number(), messages_out_per_s: z.number() });
const cluster = z.looseObject({
  node: z.string(),
  ring_epoch: z.union([z.string(), z.number()]).nullable(),
  nodes: z.array(z.looseObject({ id: z.string(), status: z.enum(['alive', 'suspect', 'dead']), last_heartbeat: z.string().nullable(), connections: z.number().int(), actors: z.number().int() })),
  supervision: z.array(z.looseObject({ ts: z.string(), kind: z.string(), address: z.string(), node: z.string(), detail: z.unknown() })),
});
const broadcastAnswer = z.object({ ok: z.literal(true), events: z.array(z.object({ channel: z.string(), id: z.string(), offset: z.number().int().min(1) })) });
const unanswered = z.array(z.string()).optional().describe('clustered: nodes that did not answer in time');
const connections = z.looseObject({ connections: z.array(z.looseObject({})), next_cursor: cursor, unanswered_nodes: unanswered });
const channels = z.object({ channels: z.array(z.object({ channel: z.string(), subscribers: z.number().int() })), next_cursor: cursor });
const securityEvents = z.looseObject({
  events: z.array(z.looseObject({ ts: z.string(), kind: z.string(), node: z.string(), user_id: z.string().nullable(), session_id: z.string().nullable(), ip: z.string().nullable(), detail: z.string() })),
  next_cursor: cursor,
});
const disconnected = z.looseObject({ ok: z.literal(true), disconnected: z.number().int().min(0), unanswered_nodes: unanswered });
const auction = z.looseObject({
  id: z.string(),
  product_id: z.string(),
  title: z.string().nullable(),
  status: z.enum(['scheduled', 'open', 'closed']),
  starting_price: z.number(),
  min_increment: z.number(),
  current_price: z.number().nullable(),
  leader_id: z.string().nullable(),
  bid_count: z.number().int(),
  starts_at: dhakaTime,
  ends_at: dhakaTime,
  soft_close_s: z.number(),
  extend_s: z.number(),
});
const sale = z.looseObject({
  id: z.string(),
  title: z.string().nullable(),
  status: z.enum(['scheduled', 'open', 'ended']),
  starts_at: dhakaTime,
  ends_at: dhakaTime,
  per_user_limit: z.number().int(),
  hold_s: z.number(),
  skus: z.array(z.looseObject({ sku: z.string(), stock: z.number().int(), available: z.number().int(), reserved: z.number().int(), sold: z.number().int(), price: z.number().nullable() })),
});
const remindAnswer = z.object({ ok: z.literal(true), registered: z.number().int(), total: z.number().int() });
const confirmAnswer = z.looseObject({
  ok: z.literal(true),
  reservation: z.looseObject({ id: z.string(), user_id: z.string(), sku: z.string(), qty: z.number().int(), status: z.literal('confirmed') }),
  confirmed_at: dhakaTime.optional(),
});
const ok = z.object({ ok: z.literal(true) });
const presenceView = z.looseObject({
  user_id: z.string(),
  status: z.enum(['online', 'away', 'busy', 'invisible', 'offline']),
  devices: z.number().int().min(0),
  last_seen: dhakaTime.nullable(),
  current_page: z.string().nullable().optional().describe('only for the user, support and admins'),
  shopping_activity: z.unknown().optional().describe('only for the user, support and admins'),
});
const presenceBulk = z.object({ presence: z.record(z.string(), presenceView) });
const onlineUsers = z.object({ users: z.array(z.object({ user_id: z.string(), status: z.string() })), next_cursor: cursor });
const notificationsQueued = z.object({
  notifications: z.array(z.object({ id: z.string(), user_id: z.string() })),
  failed: z.array(z.object({ user_id: z.string(), code: z.string() })).optional().describe('recipients not queued now; retry them with the same client_msg_id'),
});
const notificationList = z.object({
  notifications: z.array(
    z.looseObject({
      id: z.string(),
      notification_type: z.string(),
      title: z.string(),
      message: z.string(),
      data: z.record(z.string(), z.unknown()),
      priority: z.string(),
      status: z.enum(['queued', 'delivered', 'acked', 'expired']),
      created_at: dhakaTime,
      delivered_at: dhakaTime.nullable(),
      acked_at: dhakaTime.nullable(),
    }),
  ),
  next_cursor: cursor,
});
const room = z.looseObject({
  id: z.string(),
  type: z.enum(['customer_support', 'vendor', 'group']),
  channel: z.string(),
  participants: z.array(z.object({ user_id: z.string(), role: z.string(), joined_at: dhakaTime, last_read_offset: z.number().int() })),
  metadata: z.record(z.string(), z.unknown()),
  created_at: dhakaTime,
});
const rooms = z.object({ rooms: z.array(room.extend({ unread: z.number().int().min(0) })), next_cursor: cursor });
const sendReply = z.object({ ok: z.literal(true), id: z.string(), channel: z.string(), offset: z.number().int().min(1) });
const messages = z.object({
  messages: z.array(z.looseObject({ id: z.string(), offset: z.number().int(), sender_id: z.string(), message: z.string(), message_type: z.string(), metadata: z.record(z.string(), z.unknown()), created_at: dhakaTime })),
  next_cursor: cursor,
});
const readAnswer = z.object({ ok: z.literal(true), unread: z.number().int().min(0) });
const webhookAnswer = z.object({ ok: z.literal(true), duplicate: z.boolean() });
const campaign = z.looseObject({
  id: z.string(),
  title: z.string().nullable(),
  status: z.string(),
  notification_type: z.string(),
  priority: z.string(),
  audience: z.union([z.object({ user_ids: z.array(z.string()) }), z.object({ channel: z.string() })]),
  starts_at: dhakaTime,
  ends_at: dhakaTime,
  created_at: dhakaTime,
  sent_at: dhakaTime.nullable(),
});

// ---- operations ----

/** none: no token; optional: a token is read when given; user: any signed-in user; server/admin: PROTOCOL.md §10 roles. */
type Auth = 'none' | 'optional' | 'user' | 'server' | 'admin';

interface Param {
  in: 'path' | 'query' | 'header';
  name: string;
  description: string;
  schema: JsonSchema;
  required?: boolean;
  example: unknown;
}

interface Operation {
  method: HttpMethod;
  /** The uWS pattern, `:name` for a parameter. */
  path: string;
  tag: string;
  summary: string;
  auth: Auth;
  params?: Param[];
  body?: { name: string; schema: z.ZodType; example: unknown };
  ok: { status: number; description: string; name?: string; schema?: z.ZodType; example?: unknown; contentType?: string };
  /** Error statuses besides those `auth` and `body` imply. */
  errors?: number[];
}

const idPattern = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' };
const pathParam = (name: string, description: string, example: string, schema: JsonSchema = idPattern): Param => ({ in: 'path', name, description, schema, required: true, example });
const limitParam: Param = { in: 'query', name: 'limit', description: 'page size (default 50)', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, example: 50 };
const cursorParam: Param = { in: 'query', name: 'cursor', description: 'the `next_cursor` of the previous page', schema: { type: 'string' }, example: 'NTA' };
const paged = [limitParam, cursorParam];
/** Every route of the authed helper (rest.ts) answers errors in the language asked for. */
const langParams: Param[] = [
  { in: 'query', name: 'lang', description: 'language of error messages (before Accept-Language and the token\u2019s `lang`)', schema: { type: 'string', enum: ['en', 'bn'] }, example: 'bn' },
  { in: 'header', name: 'Accept-Language', description: 'en or bn, the best by q', schema: { type: 'string' }, example: 'bn-BD,bn;q=0.9,en;q=0.8' },
];

/** Example times: a 9 pm sale in Dhaka. */
const STARTS = '2027-01-10T21:00:00+06:00';
const ENDS = '2027-01-10T21:30:00+06:00';

/** The operations under the prefix (a function: the route modules that own the body schemas import rest.ts, which imports this). */
const operations = (): Operation[] => [
  {
    method: 'GET',
    path: '/health',
    tag: 'operations',
    summary: 'Readiness: 200 when ready, 503 (same body) when not',
    auth: 'none',
    ok: { status: 200, description: 'ready', name: 'Health', schema: health, example: { status: 'ok', node: 'n1', checks: { engine: 'ok (memory: in this process)', store: 'ok (memory: in this process)', actors: 'ok', gateway: 'ok' } } },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    tag: 'operations',
    summary: 'This document (OpenAPI 3.1)',
    auth: 'none',
    ok: { status: 200, description: 'the OpenAPI 3.1 document of every route', schema: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) },
  },
  { method: 'GET', path: '/info', tag: 'operations', summary: 'Version, node, engine, store, uWS build, config summary', auth: 'admin', ok: { status: 200, description: 'the node', name: 'Info', schema: info } },
  {
    method: 'GET',
    path: '/stats',
    tag: 'operations',
    summary: 'Connections, channels, messages in/out per second (cluster-wide when clustered)',
    auth: 'admin',
    ok: { status: 200, description: 'live counters', name: 'Stats', schema: stats, example: { node: 'n1', connections: 12, channels: 4, messages_in_per_s: 3.5, messages_out_per_s: 40 } },
  },
  {
    method: 'GET',
    path: '/admin/cluster',
    tag: 'operations',
    summary: 'Nodes of the cluster and the newest supervision entries',
    auth: 'admin',
    ok: {
      status: 200,
      description: 'the cluster',
      name: 'Cluster',
      schema: cluster,
      example: { node: 'n1', ring_epoch: 3, nodes: [{ id: 'n1', status: 'alive', last_heartbeat: '2026-11-24T19:05:00.123+06:00', connections: 12, actors: 0 }], supervision: [] },
    },
  },
  {
    method: 'POST',
    path: '/events/broadcast',
    tag: 'operations',
    summary: 'Publishes an event on one or many channels (idempotent on client_msg_id)',
    auth: 'server',
    body: { name: 'BroadcastBody', schema: broadcastBody, example: { channel: 'product:p1', event_type: 'product_price_change', data: { product_id: 'p1', old_price: 1500, new_price: 1350 }, priority: 'high', client_msg_id: 'price-p1-42' } },
    ok: { status: 200, description: 'published (or already published with this client_msg_id)', name: 'BroadcastAnswer', schema: broadcastAnswer, example: { ok: true, events: [{ channel: 'product:p1', id: 'ev_3f9', offset: 12 }] } },
    errors: [503],
  },
  {
    method: 'GET',
    path: '/admin/connections',
    tag: 'operations',
    summary: 'Connections (cluster-wide when clustered)',
    auth: 'admin',
    params: paged,
    ok: { status: 200, description: 'a page of connections', name: 'Connections', schema: connections },
  },
  {
    method: 'GET',
    path: '/admin/channels',
    tag: 'operations',
    summary: 'Channels with subscribers on this node',
    auth: 'admin',
    params: paged,
    ok: { status: 200, description: 'a page of channels', name: 'Channels', schema: channels, example: { channels: [{ channel: 'product:p1', subscribers: 3 }], next_cursor: null } },
  },
  {
    method: 'GET',
    path: '/admin/security-events',
    tag: 'operations',
    summary: 'Security events, newest first (cluster-wide when clustered)',
    auth: 'admin',
    params: [
      ...paged,
      { in: 'query', name: 'kind', description: `only these kinds, comma-separated: ${SECURITY_EVENT_KINDS.join(', ')}`, schema: { type: 'string' }, example: 'spam,abuse' },
    ],
    ok: {
      status: 200,
      description: 'a page of security events',
      name: 'SecurityEvents',
      schema: securityEvents,
      example: { events: [{ ts: '2026-11-24T19:05:00.123+06:00', kind: 'flooding', node: 'n1', user_id: 'u42', session_id: 's_V1StGXR8', ip: '10.0.0.7', detail: 'over 200 messages/s for 5 s' }], next_cursor: null },
    },
  },
  {
    method: 'POST',
    path: '/admin/disconnect',
    tag: 'operations',
    summary: "Closes a user's connections or one session",
    auth: 'admin',
    body: { name: 'DisconnectBody', schema: disconnectBody, example: { user_id: 'u42', reason: 'abuse report #118' } },
    ok: { status: 200, description: 'how many connections were closed', name: 'Disconnected', schema: disconnected, example: { ok: true, disconnected: 2 } },
  },
  {
    method: 'POST',
    path: '/auctions',
    tag: 'commerce',
    summary: 'Creates an auction (PROTOCOL.md §7)',
    auth: 'server',
    body: {
      name: 'AuctionBody',
      schema: auctionBody,
      example: { id: 'a_iphone14', product_id: 'p1', title: 'iPhone 14 Pro', starting_price: 90000, min_increment: 500, starts_at: STARTS, ends_at: ENDS, soft_close_s: 30, extend_s: 30 },
    },
    ok: {
      status: 201,
      description: 'the auction as GET auctions/{id} shows it',
      name: 'Auction',
      schema: auction,
      example: {
        id: 'a_iphone14',
        product_id: 'p1',
        title: 'iPhone 14 Pro',
        status: 'scheduled',
        starting_price: 90000,
        min_increment: 500,
        current_price: null,
        leader_id: null,
        bid_count: 0,
        starts_at: STARTS,
        ends_at: ENDS,
        soft_close_s: 30,
        extend_s: 30,
      },
    },
    errors: [409, 503],
  },
  {
    method: 'GET',
    path: '/auctions/:id',
    tag: 'commerce',
    summary: 'An auction',
    auth: 'optional',
    params: [pathParam('id', 'auction id', 'a_iphone14')],
    ok: { status: 200, description: 'the auction', schema: auction },
    errors: [404, 503],
  },
  {
    method: 'POST',
    path: '/sales',
    tag: 'commerce',
    summary: 'Creates a flash sale (PROTOCOL.md §8)',
    auth: 'server',
    body: { name: 'SaleBody', schema: saleBody, example: { id: 's_9pm', title: '৯টার ফ্ল্যাশ সেল', starts_at: STARTS, ends_at: ENDS, per_user_limit: 2, hold_s: 300, skus: [{ sku: 'iphone14-128', stock: 1000, price: 89999 }] } },
    ok: {
      status: 201,
      description: 'the sale as GET sales/{id} shows it',
      name: 'Sale',
      schema: sale,
      example: { id: 's_9pm', title: '৯টার ফ্ল্যাশ সেল', status: 'scheduled', starts_at: STARTS, ends_at: ENDS, per_user_limit: 2, hold_s: 300, skus: [{ sku: 'iphone14-128', stock: 1000, available: 1000, reserved: 0, sold: 0, price: 89999 }] },
    },
    errors: [409, 503],
  },
  { method: 'GET', path: '/sales/:id', tag: 'commerce', summary: 'A flash sale', auth: 'optional', params: [pathParam('id', 'sale id', 's_9pm')], ok: { status: 200, description: 'the sale', schema: sale }, errors: [404, 503] },
  {
    method: 'POST',
    path: '/sales/:id/remind',
    tag: 'commerce',
    summary: 'Tells the caller (`{}`), or the server roles\u2019 user_ids, flash_sale_starting when the sale opens; the first registration needs discount_percentage (server roles)',
    auth: 'user',
    params: [pathParam('id', 'sale id', 's_9pm')],
    body: { name: 'RemindBody', schema: remindBody, example: { user_ids: ['u42', 'u43'], discount_percentage: 20 } },
    ok: { status: 200, description: 'registered', name: 'RemindAnswer', schema: remindAnswer, example: { ok: true, registered: 1, total: 5120 } },
    errors: [403, 404, 409, 503],
  },
  {
    method: 'POST',
    path: '/sales/:id/confirm',
    tag: 'commerce',
    summary: 'Turns a reservation into a sale (e.g. after payment)',
    auth: 'server',
    params: [pathParam('id', 'sale id', 's_9pm')],
    body: { name: 'ConfirmBody', schema: confirmBody, example: { reservation_id: 'rs_8fK2' } },
    ok: { status: 200, description: 'confirmed', name: 'ConfirmAnswer', schema: confirmAnswer, example: { ok: true, reservation: { id: 'rs_8fK2', user_id: 'u42', sku: 'iphone14-128', qty: 1, status: 'confirmed' }, confirmed_at: '2027-01-10T21:03:10.000+06:00' } },
    errors: [404, 409, 503],
  },
  {
    method: 'PUT',
    path: '/presence',
    tag: 'presence',
    summary: "Sets the token's user's presence (as the presence frame)",
    auth: 'user',
    body: { name: 'PresenceBody', schema: presenceBody, example: { status: 'online', current_page: '/p/p1', shopping_activity: { viewing: 'p1', cart_items: 2 } } },
    ok: { status: 200, description: 'set', name: 'Ok', schema: ok, example: { ok: true } },
    errors: [503],
  },
  {
    method: 'GET',
    path: '/presence/bulk',
    tag: 'presence',
    summary: 'Presence of up to 500 users',
    auth: 'user',
    params: [{ in: 'query', name: 'user_ids', description: 'comma-separated user ids (1 to 500)', schema: { type: 'string' }, required: true, example: 'u42,u43' }],
    ok: {
      status: 200,
      description: 'presence by user id',
      name: 'PresenceBulk',
      schema: presenceBulk,
      example: { presence: { u42: { user_id: 'u42', status: 'online', devices: 1, last_seen: '2026-11-24T19:05:00.123+06:00' }, u43: { user_id: 'u43', status: 'offline', devices: 0, last_seen: null } } },
    },
    errors: [503],
  },
  {
    method: 'GET',
    path: '/presence/:user_id',
    tag: 'presence',
    summary: "A user's presence (an unknown user is offline, not 404)",
    auth: 'user',
    params: [pathParam('user_id', 'user id', 'u42', { type: 'string', minLength: 1, maxLength: 128 })],
    ok: { status: 200, description: 'the presence', name: 'Presence', schema: presenceView, example: { user_id: 'u42', status: 'away', devices: 2, last_seen: '2026-11-24T19:05:00.123+06:00' } },
    errors: [503],
  },
  {
    method: 'GET',
    path: '/online-users',
    tag: 'presence',
    summary: 'Users online now (admin, support)',
    auth: 'user',
    params: paged,
    ok: { status: 200, description: 'a page of users', name: 'OnlineUsers', schema: onlineUsers, example: { users: [{ user_id: 'u42', status: 'online' }], next_cursor: null } },
    errors: [403, 503],
  },
  {
    method: 'POST',
    path: '/notifications',
    tag: 'notifications',
    summary: 'Queues a notification to users, rendered in each recipient\u2019s language',
    auth: 'server',
    body: { name: 'NotificationsBody', schema: notificationsBody, example: { user_ids: ['u42', 'u43'], notification_type: 'price_drop_alert', params: { product_name: 'iPhone 14 Pro', new_price: 1350, discount_percentage: 10 }, data: { product_id: 'p1', action_url: '/p/p1' }, priority: 'high' } },
    ok: { status: 202, description: 'queued', name: 'NotificationsQueued', schema: notificationsQueued, example: { notifications: [{ id: 'nt_81', user_id: 'u42' }, { id: 'nt_82', user_id: 'u43' }] } },
  },
  {
    method: 'GET',
    path: '/notifications',
    tag: 'notifications',
    summary: "A user's notifications (that user, or the server roles)",
    auth: 'user',
    params: [
      { in: 'query', name: 'user_id', description: 'default: the caller', schema: { type: 'string', minLength: 1, maxLength: 128 }, example: 'u42' },
      { in: 'query', name: 'status', description: 'only those in this status', schema: { type: 'string', enum: ['queued', 'delivered', 'acked', 'expired'] }, example: 'queued' },
      ...paged,
    ],
    ok: {
      status: 200,
      description: 'a page of notifications',
      name: 'NotificationList',
      schema: notificationList,
      example: {
        notifications: [{ id: 'nt_81', notification_type: 'price_drop_alert', title: 'দাম কমেছে!', message: 'আইফোন ১৪ প্রো এর দাম ১০% কমেছে', data: { product_id: 'p1' }, priority: 'high', status: 'delivered', created_at: '2026-11-24T19:05:00.456+06:00', delivered_at: '2026-11-24T19:05:00.502+06:00', acked_at: null }],
        next_cursor: null,
      },
    },
    errors: [403, 503],
  },
  {
    method: 'POST',
    path: '/chat/rooms',
    tag: 'chat',
    summary: 'Creates a room; the caller becomes a participant',
    auth: 'user',
    body: { name: 'RoomBody', schema: roomBody, example: { type: 'customer_support', participants: [{ user_id: 'agent7', role: 'support' }], metadata: { order_id: 'o_1001', priority: 'high' } } },
    ok: {
      status: 201,
      description: 'the room',
      name: 'Room',
      schema: room,
      example: {
        id: 'r_Zx81kq0pLm2sA9vT',
        type: 'customer_support',
        channel: 'chat:r_Zx81kq0pLm2sA9vT',
        participants: [
          { user_id: 'u42', role: 'customer', joined_at: '2026-11-24T19:05:00.123+06:00', last_read_offset: 0 },
          { user_id: 'agent7', role: 'support', joined_at: '2026-11-24T19:05:00.123+06:00', last_read_offset: 0 },
        ],
        metadata: { order_id: 'o_1001', priority: 'high' },
        created_at: '2026-11-24T19:05:00.123+06:00',
      },
    },
    errors: [503],
  },
  { method: 'GET', path: '/chat/rooms', tag: 'chat', summary: "The caller's rooms with unread counts", auth: 'user', params: [limitParam, cursorParam], ok: { status: 200, description: 'a page of rooms', name: 'Rooms', schema: rooms }, errors: [503] },
  {
    method: 'POST',
    path: '/chat/rooms/:room_id/join',
    tag: 'chat',
    summary: 'Joins a room (support, admin, or a user named in it)',
    auth: 'user',
    params: [pathParam('room_id', 'room id', 'r_Zx81kq0pLm2sA9vT')],
    ok: { status: 200, description: 'the room', schema: room },
    errors: [403, 404, 503],
  },
  {
    method: 'POST',
    path: '/chat/rooms/:room_id/messages',
    tag: 'chat',
    summary: 'Sends a message (participants); also an event on the room channel',
    auth: 'user',
    params: [pathParam('room_id', 'room id', 'r_Zx81kq0pLm2sA9vT')],
    body: { name: 'ChatMessageBody', schema: messageBody, example: { message: 'আমার অর্ডার কোথায়?', client_msg_id: 'm-0001' } },
    ok: { status: 201, description: 'stored and published (the send_message reply)', name: 'SendReply', schema: sendReply, example: { ok: true, id: 'ev_3f9', channel: 'chat:r_Zx81kq0pLm2sA9vT', offset: 7 } },
    errors: [403, 404, 422, 503],
  },
  {
    method: 'GET',
    path: '/chat/rooms/:room_id/messages',
    tag: 'chat',
    summary: 'Messages of a room: newest first (?before=) or oldest first (?since=)',
    auth: 'user',
    params: [
      pathParam('room_id', 'room id', 'r_Zx81kq0pLm2sA9vT'),
      { in: 'query', name: 'before', description: 'messages before this offset, newest first', schema: { type: 'integer', minimum: 0 }, example: 20 },
      { in: 'query', name: 'since', description: 'messages after this offset, oldest first', schema: { type: 'integer', minimum: 0 }, example: 0 },
      ...paged,
    ],
    ok: {
      status: 200,
      description: 'a page of messages',
      name: 'Messages',
      schema: messages,
      example: { messages: [{ id: 'ev_3f9', offset: 7, sender_id: 'u42', message: 'আমার অর্ডার কোথায়?', message_type: 'text', metadata: {}, created_at: '2026-11-24T19:05:00.123+06:00' }], next_cursor: null },
    },
    errors: [403, 404, 503],
  },
  {
    method: 'PUT',
    path: '/chat/rooms/:room_id/read',
    tag: 'chat',
    summary: "Moves the caller's read position",
    auth: 'user',
    params: [pathParam('room_id', 'room id', 'r_Zx81kq0pLm2sA9vT')],
    body: { name: 'ReadBody', schema: readBody, example: { offset: 7 } },
    ok: { status: 200, description: 'what is still unread', name: 'ReadAnswer', schema: readAnswer, example: { ok: true, unread: 0 } },
    errors: [403, 404, 503],
  },
  {
    method: 'POST',
    path: '/payments/webhook/:provider',
    tag: 'commerce',
    summary: 'A payment provider reports a payment (HMAC-SHA256 of the raw body in X-Haat-Signature, no bearer token)',
    auth: 'none',
    params: [
      pathParam('provider', 'payment provider', 'bkash', { type: 'string', enum: ['bkash', 'nagad', 'rocket'] }),
      { in: 'header', name: 'X-Haat-Signature', description: "`sha256=` and the hex HMAC-SHA256 of the raw body with the provider's secret", schema: { type: 'string', pattern: '^sha256=[0-9a-fA-F]{64}$' }, required: true, example: `sha256=${'0'.repeat(64)}` },
    ],
    body: { name: 'PaymentWebhookBody', schema: webhookBody, example: { payment_id: 'pay_7781', order_id: 'o_1001', user_id: 'u42', amount: 1350.5, status: 'success' } },
    ok: { status: 200, description: 'handled; duplicate: this payment_id was seen before and nothing was published', name: 'WebhookAnswer', schema: webhookAnswer, example: { ok: true, duplicate: false } },
    errors: [401, 404, 503],
  },
  {
    method: 'POST',
    path: '/campaigns',
    tag: 'campaigns',
    summary: 'Creates a notification campaign (a time window, or a festival such as Eid)',
    auth: 'server',
    body: { name: 'CampaignBody', schema: campaignBody, example: { id: 'c_eid27', notification_type: 'promotion_alert', params: { promotion_name: 'ঈদ অফার', discount_percentage: 20, ends_at: '2027-03-12T23:59:00+06:00' }, audience: { channel: 'promo:eid' }, festival: { name: 'eid_ul_fitr', year: 2027 } } },
    ok: { status: 201, description: 'the campaign', name: 'Campaign', schema: campaign },
    errors: [409, 503],
  },
  {
    method: 'GET',
    path: '/campaigns/:id',
    tag: 'campaigns',
    summary: 'A campaign',
    auth: 'server',
    params: [pathParam('id', 'campaign id', 'c_eid27')],
    ok: { status: 200, description: 'the campaign', schema: campaign },
    errors: [404, 503],
  },
];

/** Outside the prefix. */
const ROOT_OPERATIONS: Operation[] = [
  {
    method: 'GET',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics (text exposition format)',
    auth: 'none',
    ok: { status: 200, description: 'metrics', contentType: 'text/plain; version=0.0.4; charset=utf-8', schema: z.string(), example: '# HELP haat_connections Open WebSocket connections\n# TYPE haat_connections gauge\nhaat_connections 12\n' },
  },
  {
    method: 'GET',
    path: '/admin',
    tag: 'operations',
    summary: 'The live dashboard page (HTML; its scripts and styles are under /admin/). The page asks for an admin token, or reads it from the fragment of /admin#token=JWT (a fragment never reaches a server log), and reads the admin REST with it; a token without the admin role is refused on the page.',
    auth: 'none',
    ok: { status: 200, description: 'the page', contentType: 'text/html; charset=utf-8', schema: z.string(), example: '<!doctype html>' },
  },
];

const ERRORS: Record<number, { name: string; code: string; description: string; message: string }> = {
  400: { name: 'BadRequest', code: 'bad_request', description: 'a malformed body, field or parameter', message: 'body field `starting_price`: must be taka with at most two decimals' },
  401: { name: 'Unauthorized', code: 'unauthorized', description: 'no token, a bad or expired one (a webhook: a bad signature)', message: 'a bearer token is required' },
  403: { name: 'Forbidden', code: 'forbidden', description: 'the token lacks the role or right', message: 'admin role required' },
  404: { name: 'NotFound', code: 'not_found', description: 'no such resource or route', message: 'no auction a_iphone14' },
  409: { name: 'Conflict', code: 'conflict', description: 'the resource exists already, or a domain refusal (PROTOCOL.md §7, §8)', message: 'auction a_iphone14 exists already' },
  408: { name: 'RequestTimeout', code: 'request_timeout', description: 'the body did not arrive within the body timeout; the connection is closed', message: 'the request body took too long' },
  413: { name: 'TooLarge', code: 'too_large', description: 'the body is over the limit', message: 'body over 262144 bytes' },
  422: { name: 'Spam', code: 'spam', description: 'the message was refused as spam (repeats, links, phone numbers, a new account bursting)', message: 'this message looks like spam' },
  429: { name: 'RateLimited', code: 'rate_limited', description: 'slow down; retry after retry_after_ms (also the Retry-After header)', message: 'too many requests' },
  500: { name: 'Internal', code: 'internal', description: 'a bug; the server log has the same `id`', message: 'internal error' },
  503: { name: 'Unavailable', code: 'unavailable', description: 'the owner is moving or restarting; retry', message: 'the actor did not answer in time' },
};

/** uWS `:name` to OpenAPI `{name}`. */
export const openApiPath = (pattern: string): string => pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function errorStatuses(op: Operation): number[] {
  const s = new Set<number>(op.errors ?? []);
  if (op.body || op.params?.length) s.add(400);
  if (op.body) {
    s.add(408);
    s.add(413);
  }
  if (op.auth === 'user' || op.auth === 'server' || op.auth === 'admin') s.add(401);
  if (op.auth === 'server' || op.auth === 'admin') s.add(403);
  if (op.path !== '/health' && op.path !== '/openapi.json' && op.path !== '/metrics' && op.path !== '/admin') s.add(429);
  s.add(500);
  return [...s].sort((a, b) => a - b);
}

const SECURITY: Record<Auth, unknown[] | undefined> = { none: [], optional: [{}, { bearerAuth: [] }], user: undefined, server: undefined, admin: undefined };
const WHO: Record<Auth, string> = {
  none: 'No token.',
  optional: 'Anyone, a guest too (a token is read when given).',
  user: 'A signed-in user (bearer JWT).',
  server: 'Server roles: publisher or admin (bearer JWT).',
  admin: 'The admin role (bearer JWT).',
};

export type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> } & Record<string, unknown>;

function build(): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = { ErrorBody: jsonSchemaOf(errorBody, 'output') };
  for (const [name, schema] of Object.entries(NAMED_ANSWERS)) schemas[name] = jsonSchemaOf(schema, 'output');
  const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
  const responses: Record<string, unknown> = {};
  for (const [status, e] of Object.entries(ERRORS)) {
    const example: Record<string, unknown> = { code: e.code, message: e.message, temporary: ERROR_CODES[e.code as ErrorCode].temporary };
    if (e.code === 'rate_limited') example.retry_after_ms = 1200;
    if (e.code === 'internal') example.id = 'err_V1StGXR8_Z';
    responses[e.name] = {
      description: `${status} ${e.code}: ${e.description}`,
      ...(e.code === 'rate_limited' ? { headers: { 'Retry-After': { description: 'seconds (retry_after_ms rounded up)', schema: { type: 'integer', minimum: 0 }, example: 2 } } } : {}),
      content: { 'application/json': { schema: ref('ErrorBody'), examples: { [e.code]: { value: example } } } },
    };
  }
  const paths: OpenApiDocument['paths'] = {};
  const add = (prefix: string, op: Operation): void => {
    const path = openApiPath(prefix + op.path);
    const operationId = `${op.method.toLowerCase()}${(prefix + op.path).replace(/^\/api\/v1\/realtime/, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
    const o: Record<string, unknown> = { operationId, tags: [op.tag], summary: op.summary, description: WHO[op.auth] };
    const security = SECURITY[op.auth];
    if (security !== undefined) o.security = security;
    const params = [...(op.params ?? []), ...(op.auth === 'none' ? [] : langParams)];
    if (params.length > 0) o.parameters = params.map((p) => ({ in: p.in, name: p.name, description: p.description, required: p.required ?? false, schema: p.schema, example: p.example }));
    if (op.body) {
      schemas[op.body.name] = jsonSchemaOf(op.body.schema, 'input');
      o.requestBody = { required: true, content: { 'application/json': { schema: ref(op.body.name), examples: { example: { value: op.body.example } } } } };
    }
    let okSchema: JsonSchema | undefined;
    // Shared answers (an auction, a sale, a room) have one component name each.
    const shared = Object.entries(NAMED_ANSWERS).find(([, s]) => s === op.ok.schema)?.[0];
    if (shared !== undefined) okSchema = ref(shared);
    else if (op.ok.schema && op.ok.name) {
      schemas[op.ok.name] = jsonSchemaOf(op.ok.schema, 'output');
      okSchema = ref(op.ok.name);
    } else if (op.ok.schema) okSchema = jsonSchemaOf(op.ok.schema, 'output');
    const media: Record<string, unknown> = {};
    if (okSchema) media.schema = okSchema;
    if (op.ok.example !== undefined) media.examples = { example: { value: op.ok.example } };
    const res: Record<string, unknown> = { [String(op.ok.status)]: { description: op.ok.description, content: { [op.ok.contentType ?? 'application/json']: media } } };
    if (op.path === '/health') res['503'] = { description: 'not ready (e.g. the redis engine is unreachable); the same body', content: { 'application/json': { schema: ref('Health') } } };
    for (const status of errorStatuses(op)) res[String(status)] = { $ref: `#/components/responses/${ERRORS[status]!.name}` };
    o.responses = res;
    (paths[path] ??= {})[op.method.toLowerCase()] = o;
  };
  for (const op of operations()) add(REST_PREFIX, op);
  for (const op of ROOT_OPERATIONS) add('', op);
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'haat real-time REST',
      version: '1',
      summary: 'REST of the haat real-time service (PROTOCOL.md §10); the WebSocket protocol is PROTOCOL.md §1-§9.',
      description: 'JSON under /api/v1/realtime with `Authorization: Bearer JWT`; errors are `{code, message, temporary}` with the matching status. Lists take `?limit=` (default 50, at most 500) and an opaque `cursor`, and answer `next_cursor` (null at the end). Messages follow `?lang=en|bn` or Accept-Language.',
    },
    tags: [
      { name: 'operations', description: 'health, metrics, admin' },
      { name: 'commerce', description: 'auctions (§7), flash sales (§8), payment webhooks' },
      { name: 'presence', description: 'user presence' },
      { name: 'notifications', description: 'notifications (§5)' },
      { name: 'chat', description: 'chat rooms' },
      { name: 'campaigns', description: 'notification campaigns (festivals, prayer times)' },
    ],
    security: [{ bearerAuth: [] }],
    paths,
    components: { schemas, responses, securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256, RS256 or ES256; claims sub, exp, roles (PROTOCOL.md §1)' } } },
  };
}

/** Answers shared by several operations, under one component name each. */
const NAMED_ANSWERS: Record<string, z.ZodType> = { Auction: auction, Sale: sale, Room: room, Campaign: campaign };

let cached: { doc: OpenApiDocument; text: string } | undefined;

/** The document (built once; it does not change while the process runs). */
export function openApiDocument(): OpenApiDocument {
  cached ??= (() => {
    const doc = build();
    return { doc, text: JSON.stringify(doc) };
  })();
  return cached.doc;
}

export function openApiText(): string {
  openApiDocument();
  return cached!.text;
}

/** The (method, uWS pattern) of every operation the document describes. */
export function documentedRoutes(doc: OpenApiDocument = openApiDocument()): RouteRecord[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => ({ method: (m === 'delete' ? 'DELETE' : m.toUpperCase()) as HttpMethod, path: path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1') })),
  );
}

/** Each documented request body with the zod schema that validates it (openapi.test.ts parses every example with it). */
export function documentedBodies(): { route: string; schema: z.ZodType; example: unknown }[] {
  return operations().flatMap((op) => (op.body ? [{ route: `${op.method} ${REST_PREFIX}${op.path}`, schema: op.body.schema, example: op.body.example }] : []));
}
