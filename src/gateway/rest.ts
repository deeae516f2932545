// REST basics of PROTOCOL.md §10 under /api/v1/realtime, and /metrics.
import type { TemplatedApp, HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { ActorSystem } from '../actors/system.ts';
import { forClient, HaatError } from '../errors.ts';
import { realtimeMessages, textError, type RealtimeMessages } from '../i18n/realtime-messages.ts';
import type { ChatLanguages } from '../i18n/translate/chat-languages.ts';
import type { Metrics } from '../metrics/registry.ts';
import { parseChannel, mayBroadcast } from './acl.ts';
import { bearer, type TokenVerifier } from './auth.ts';
import { broadcastBody } from './frames.ts';
import { DEFAULT_BODY_TIMEOUT_MS, readJson, sendError, sendJson, track } from './http.ts';
import { GUEST, isServer, type Principal } from './principal.ts';
import type { Gateway } from './gateway.ts';
import type { ClusterAdmin } from '../cluster/cluster-admin.ts';
import { Routes } from './routes.ts';
import { openApiText } from './openapi.ts';
import { z } from 'zod';
import type { Clock } from '../time/clock.ts';
import { mountCommerceRest } from './commerce-rest.ts';
import { mountUserRest } from './user-rest.ts';
import type { Store } from '../store/store.ts';
import type { AbuseConfig, UsersConfig, WebhooksConfig } from '../config/schema.ts';
import { mountChatRest } from './chat-rest.ts';
import { mountPaymentWebhook } from './payment-webhook-rest.ts';
import { mountCampaignRest } from './campaign-rest.ts';
import { requestedLang } from './rest-lang.ts';
import { checkClientEvent, defaultPriority } from '../domain/channel/event-schemas.ts';
import { SECURITY_EVENT_KINDS, type SecurityEventKind } from '../security/security-log.ts';

const PREFIX = '/api/v1/realtime';
const MAX_BODY = 256 * 1024;

export interface RestDeps {
  app: TemplatedApp;
  verifier: TokenVerifier;
  actors: ActorSystem;
  metrics: Metrics;
  logger: Logger;
  askTimeoutMs: number;
  health: () => { ready: boolean; checks: Record<string, string> };
  info: () => object;
  stats: () => object | Promise<object>;
  /** GET admin/cluster (§10). */
  cluster: () => Promise<object>;
  nodeId: string;
  clock: Clock;
  gateway: Gateway;
  store: Store;
  users: UsersConfig;
  /** Payment webhook secrets (POST payments/webhook/:provider). */
  webhooks: WebhooksConfig;
  /** Body size and body time limits (README "Spam and abuse"); MAX_BODY and 10 s unless given. */
  abuse?: Pick<AbuseConfig, 'maxBodyBytes' | 'bodyTimeoutMs'>;
  /** Clustered: admin/connections and admin/disconnect span every live node (read when a request comes). */
  clusterAdmin?: () => ClusterAdmin | undefined;
  /** Error messages per language; the shipped ones unless given. */
  messages?: RealtimeMessages;
  /** Translates chat messages (POST chat/rooms/:id/messages) before the room actor is asked. */
  chatLanguages?: ChatLanguages;
}

/** What every module of routes under the prefix is given (commerce, users, chat). */
export interface RouteModuleDeps {
  /** Mount routes through this (it records them for the REST document's test). */
  app: Routes;
  actors: ActorSystem;
  askTimeoutMs: number;
  prefix: string;
  route: Route;
}

/** A path parameter, percent-decoded; undefined when its escapes are malformed. */
export function decodeParam(p: string): string | undefined {
  try {
    return decodeURIComponent(p);
  } catch (err) {
    if (err instanceof URIError) return undefined;
    throw err;
  }
}

/** `?limit=` (default 50, at most 500) of a list (§10). */
export function limitOf(query: URLSearchParams): number {
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? 50 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HaatError('bad_request', '`limit` must be an integer from 1 to 500');
  return limit;
}

/** `?limit=` and an opaque `cursor` that is a position in a list of this node's (§10). */
function page(query: URLSearchParams): { from: number; limit: number } {
  const limit = limitOf(query);
  const cursor = query.get('cursor');
  if (cursor === null || cursor === '') return { from: 0, limit };
  const from = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isInteger(from) || from < 0) throw new HaatError('bad_request', 'bad `cursor`');
  return { from, limit };
}

const cursorOf = (next: number | null): string | null => (next === null ? null : Buffer.from(String(next)).toString('base64url'));

export const disconnectBody = z
  .strictObject({ user_id: z.string().min(1).max(128).optional(), session_id: z.string().min(1).max(64).optional(), reason: z.string().max(200).optional() })
  .refine((b) => (b.user_id === undefined) !== (b.session_id === undefined), 'give exactly one of `user_id` and `session_id`')
  .describe('give exactly one of `user_id` and `session_id`');

/** Who may call a route: admins, the server roles, or anyone (a guest too). */
export type Need = 'admin' | 'server' | 'anyone';
export type Answer = { status: number; body: unknown };

export interface Call {
  principal: Principal;
  query: URLSearchParams;
  /** The route's `:name` parameters, in order. */
  params: string[];
  /** The JSON body (routes mounted with a body only). */
  body: Promise<unknown>;
  /** The client's address. */
  ip: string;
}

/** A route handler for `need` (see mountRest). */
export type Route = (need: Need, work: (call: Call) => Promise<Answer>, withBody?: boolean) => (res: HttpResponse, req: HttpRequest) => void;

/** Validates a REST body at the edge; the first issue names its field. */
export function parseBody<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw textError('bad_request', 'error.bad_request.body_field', { field: issue?.path.join('.') || 'body', issue: issue?.message ?? 'invalid' });
}

/** Mounts every route; answers the registry that recorded them (openapi.test.ts compares it with the REST document). */
export function mountRest(d: RestDeps): Routes {
  const app = new Routes(d.app);
  const log = d.logger.child({ mod: 'rest' });
  const messages = d.messages ?? realtimeMessages();
  const maxBody = d.abuse?.maxBodyBytes ?? MAX_BODY;
  const bodyTimeoutMs = d.abuse?.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;

  const authorize = async (token: string | undefined, need: Need): Promise<Principal> => {
    const p = token ? await d.verifier.principal(token) : GUEST;
    if (need === 'anyone') return p;
    if (p.userId === null) throw textError('unauthorized', 'error.unauthorized.bearer_required', {});
    const ok = need === 'admin' ? p.roles.has('admin') : isServer(p);
    if (!ok) throw textError('forbidden', need === 'admin' ? 'error.forbidden.admin_role' : 'error.forbidden.server_role', {});
    return p;
  };

  /**
   * A route for `need`: reads what it needs from req now (req is invalid after
   * an await), starts reading the body when asked to, then runs `work` and
   * answers with its result or the catalogue error.
   */
  const authed: Route =
    (need, work, withBody = false) =>
    (res: HttpResponse, req: HttpRequest): void => {
      const r = track(res);
      const req_method = req.getCaseSensitiveMethod();
      const url = req.getUrl();
      const token = bearer(req.getHeader('authorization'));
      const query = new URLSearchParams(req.getQuery() ?? '');
      const asked = requestedLang(query, req.getHeader('accept-language'));
      let principal: Principal | undefined;
      const params: string[] = [];
      for (let i = 0; i < 4; i++) {
        const p = req.getParameter(i) as string | undefined;
        if (p === undefined || p === '') break;
        const decoded = decodeParam(p);
        // A malformed escape (%E0%A4%A) would throw inside the uWS handler: answered, never thrown.
        if (decoded === undefined) return sendError(r, new HaatError('bad_request', `malformed percent-encoding in the path: ${JSON.stringify(p.slice(0, 64))}`));
        params.push(decoded);
      }
      const ip = d.gateway.clientIps.of(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for'));
      const body = withBody ? readJson(r, maxBody, bodyTimeoutMs) : Promise.resolve(undefined);
      // Read even when authorization fails first; its error then is not the answer.
      body.catch((err: unknown) => {
        log.debug({ err }, 'request body unread');
        // A body refused as too large or too slow: the answer (413 / 408) closes the connection.
        if (!(err instanceof HaatError) || (err.code !== 'too_large' && err.code !== 'request_timeout')) return;
        const kind = err.code === 'too_large' ? 'body_too_large' : 'slow_body';
        d.metrics.abuseRefused.labels(kind).inc();
        d.gateway.securityEvent(kind, { user_id: principal?.userId ?? null, session_id: null, ip }, `${req_method} ${url}: ${err.message}`);
      });
      authorize(token, need)
        .then((p) => work({ principal: (principal = p), query, params, body, ip }))
        .then(
          ({ status, body: answer }) => sendJson(r, status, answer),
          (err: unknown) => {
            // An internal error's details go to the log only, under the id the client gets (§9).
            const e = forClient(err);
            if (e.code === 'internal') log.error({ err, id: e.id }, 'REST handler failed');
            d.metrics.errors.labels(e.code).inc();
            sendError(r, e, messages.errorBody(e, asked ?? principal?.lang ?? 'en'));
          },
        );
    };

  app.get(`${PREFIX}/health`, (res) => {
    const h = d.health();
    sendJson(track(res), h.ready ? 200 : 503, { status: h.ready ? 'ok' : 'unavailable', node: d.nodeId, checks: h.checks });
  });

  app.get(`${PREFIX}/openapi.json`, (res) => sendJson(track(res), 200, openApiText()));

  app.get(`${PREFIX}/info`, authed('admin', async () => ({ status: 200, body: d.info() })));
  app.get(`${PREFIX}/stats`, authed('admin', async () => ({ status: 200, body: await d.stats() })));
  app.get(`${PREFIX}/admin/cluster`, authed('admin', async () => ({ status: 200, body: await d.cluster() })));

  app.post(
    `${PREFIX}/events/broadcast`,
    authed(
      'server',
      async ({ principal: p, body }) => {
        const b = parseBody(broadcastBody, await body);
        const channels = [...new Set(b.channels ?? [b.channel!])];
        // The right to publish on every channel first, then the data (PROTOCOL.md §3b:
        // a publisher without the right gets forbidden, whatever the data).
        const parsed = channels.map((channel) => {
          const ch = parseChannel(channel);
          if (!ch) throw new HaatError('bad_request', `bad channel name ${JSON.stringify(channel)}`);
          if (!mayBroadcast(p, ch, channel)) throw new HaatError('forbidden', `may not broadcast on ${channel}`);
          return ch;
        });
        for (const ch of parsed) {
          const invalid = checkClientEvent(ch.namespace, b.event_type, b.data);
          if (invalid) throw invalid;
        }
        // Validated as a whole before anything is published; a retry with the same
        // client_msg_id publishes only what the first attempt did not.
        const answers = await Promise.all(
          channels.map((channel) =>
            d.gateway.publisher.publish({ channel, event_type: b.event_type, data: b.data, priority: b.priority ?? defaultPriority(b.event_type), ttl_s: b.ttl_s, sender: p.userId, client_msg_id: b.client_msg_id }),
          ),
        );
        // One behaviour (a product view, a checkout) however many channels it went to.
        d.metrics.analytics.published(undefined, b.event_type, b.data);
        return { status: 200, body: { ok: true, events: answers.map((a, i) => ({ channel: channels[i], id: a.id, offset: a.offset })) } };
      },
      true,
    ),
  );

  app.get(
    `${PREFIX}/admin/connections`,
    authed('admin', async ({ query }) => {
      const admin = d.clusterAdmin?.();
      if (admin) {
        const p = await admin.connections(query.get('cursor') ?? undefined, limitOf(query));
        return { status: 200, body: { connections: p.connections, next_cursor: p.next_cursor, ...(p.unanswered.length > 0 ? { unanswered_nodes: p.unanswered } : {}) } };
      }
      const { from, limit } = page(query);
      const { items, next } = d.gateway.listConnections(from, limit);
      return { status: 200, body: { connections: items, next_cursor: cursorOf(next) } };
    }),
  );

  app.get(
    `${PREFIX}/admin/channels`,
    authed('admin', async ({ query }) => {
      const { from, limit } = page(query);
      const { items, next } = d.gateway.listChannels(from, limit);
      return { status: 200, body: { channels: items, next_cursor: cursorOf(next) } };
    }),
  );

  app.get(
    `${PREFIX}/admin/security-events`,
    authed('admin', async ({ query }) => {
      const limit = limitOf(query);
      const cursor = query.get('cursor') ?? undefined;
      // Extension: `?kind=spam,abuse` lists only those kinds.
      const kindRaw = query.get('kind');
      let kinds: Set<SecurityEventKind> | undefined;
      if (kindRaw !== null && kindRaw !== '') {
        kinds = new Set();
        for (const k of kindRaw.split(',')) {
          if (!(SECURITY_EVENT_KINDS as readonly string[]).includes(k)) throw new HaatError('bad_request', `kind: ${JSON.stringify(k)} is not one of ${SECURITY_EVENT_KINDS.join(', ')}`);
          kinds.add(k as SecurityEventKind);
        }
      }
      return { status: 200, body: await d.gateway.securityLog.list(limit, cursor, kinds) };
    }),
  );

  app.post(
    `${PREFIX}/admin/disconnect`,
    authed(
      'admin',
      async ({ principal, body }) => {
        const b = parseBody(disconnectBody, await body);
        const admin = d.clusterAdmin?.();
        if (admin) {
          // Every live node closes its matching connections; the count is cluster-wide.
          const r = await admin.disconnect(b, b.reason ?? 'disconnected by an admin', principal.userId ?? undefined);
          return { status: 200, body: { ok: true, disconnected: r.disconnected, ...(r.unanswered.length > 0 ? { unanswered_nodes: r.unanswered } : {}) } };
        }
        const n = d.gateway.disconnect(b, b.reason ?? 'disconnected by an admin', principal.userId ?? undefined);
        return { status: 200, body: { ok: true, disconnected: n } };
      },
      true,
    ),
  );

  mountCommerceRest({ app, actors: d.actors, askTimeoutMs: d.askTimeoutMs, clock: d.clock, prefix: PREFIX, route: authed });
  mountUserRest({
    app,
    actors: d.actors,
    askTimeoutMs: d.askTimeoutMs,
    clock: d.clock,
    prefix: PREFIX,
    route: authed,
    store: d.store,
    users: d.users,
    analytics: d.metrics.analytics,
    connectedUsers: async (after, limit) => {
      const admin = d.clusterAdmin?.();
      return admin ? admin.usersAfter(after, limit) : d.gateway.usersAfter(after, limit);
    },
  });
  mountChatRest({ app, actors: d.actors, askTimeoutMs: d.askTimeoutMs, prefix: PREFIX, route: authed, chatLanguages: d.chatLanguages, spam: (who, roomId, chat) => d.gateway.checkSpam(who, roomId, chat) });
  mountPaymentWebhook({ app, actors: d.actors, askTimeoutMs: d.askTimeoutMs, prefix: PREFIX, secrets: d.webhooks.secrets, securityLog: d.gateway.securityLog, clientIps: d.gateway.clientIps, logger: d.logger, metrics: d.metrics });
  mountCampaignRest({ app, actors: d.actors, askTimeoutMs: d.askTimeoutMs, clock: d.clock, prefix: PREFIX, route: authed });

  app.get('/metrics', (res) => {
    const r = track(res);
    d.metrics.registry.metrics().then(
      (text) => sendJson(r, 200, text, d.metrics.registry.contentType),
      (err: unknown) => {
        const e = forClient(err);
        log.error({ err, id: e.id }, 'metrics not collected');
        sendError(r, e);
      },
    );
  });

  const noRoute = (res: HttpResponse, req: HttpRequest): void => {
    const e = textError('not_found', 'error.not_found.route', { method: req.getMethod().toUpperCase(), url: req.getUrl() });
    sendError(track(res), e, messages.errorBody(e, requestedLang(new URLSearchParams(req.getQuery() ?? ''), req.getHeader('accept-language')) ?? 'en'));
  };
  d.app.any(`${PREFIX}/*`, noRoute);
  d.app.any('/*', noRoute);
  return app;
}
