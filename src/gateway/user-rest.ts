// Presence and notifications over REST (PROTOCOL.md §10): each call is an ask
// to the user actor that owns the user (so it is right on any node of a
// cluster), except the list of online users, which the gateways know.
import { nanoid } from 'nanoid';
import { z } from 'zod';
import { forClient, HaatError } from '../errors.ts';
import type { UsersConfig } from '../config/schema.ts';
import { DEFAULT_NOTIFICATION_PRIORITY, notificationId, renderBoth } from '../domain/notification/notify.ts';
import { userAddress, type NewNotification, type Viewer } from '../domain/user/messages.ts';
import type { Store } from '../store/store.ts';
import { decodeCursor } from '../store/page.ts';
import type { Clock } from '../time/clock.ts';
import { jsonObject, presenceFields } from './frames.ts';
import type { Analytics } from '../metrics/analytics.ts';
import type { Principal } from './principal.ts';
import { isServer } from './principal.ts';
import { limitOf, parseBody, type RouteModuleDeps } from './rest.ts';

export interface UserRestDeps extends RouteModuleDeps {
  clock: Clock;
  store: Store;
  users: UsersConfig;
  /** Signed-in users connected to the cluster, by id, after `after` (exclusive), at most `limit`. */
  connectedUsers: (after: string | null, limit: number) => Promise<string[]>;
  /** Shopping behaviour from PUT presence (metrics/analytics.ts). */
  analytics?: Analytics;
}

const userId = z.string().min(1).max(128);
export const presenceBody = z.strictObject(presenceFields);
const MAX_RECIPIENTS = 10_000;
export const notificationsBody = z.strictObject({
  user_ids: z.array(userId).min(1).max(MAX_RECIPIENTS),
  notification_type: z.string().min(1).max(64),
  params: jsonObject.optional(),
  data: jsonObject.optional(),
  priority: z.enum(['low', 'normal', 'high', 'critical']).optional(),
  ttl_s: z.number().int().positive().max(30 * 24 * 3600).optional(),
  /** haat's extension: a retried POST with the same id queues nothing twice (ids derive from it). */
  client_msg_id: z.string().min(1).max(128).optional(),
});
const statusQuery = z.enum(['queued', 'delivered', 'acked', 'expired']);

function viewerOf(p: Principal, user: string): Viewer {
  const self = p.userId === user;
  return { details: self || p.roles.has('support') || p.roles.has('admin'), invisible: self || p.roles.has('admin') };
}

function signedIn(p: Principal): string {
  if (p.userId === null) throw new HaatError('unauthorized', 'a bearer token is required');
  return p.userId;
}

export function mountUserRest(d: UserRestDeps): void {
  const { app, actors, prefix, route } = d;
  const ask = <R>(user: string, msg: Record<string, unknown> & { type: string }): Promise<R> => actors.ask<R>(userAddress(user), msg, { timeoutMs: d.askTimeoutMs });
  const presenceOf = (p: Principal, user: string): Promise<object> => ask(user, { type: 'get_presence', viewer: viewerOf(p, user) });

  app.put(
    `${prefix}/presence`,
    route(
      'anyone',
      async ({ principal, body }) => {
        const user = signedIn(principal);
        const b = parseBody(presenceBody, await body);
        d.analytics?.presence(undefined, b.current_page, b.shopping_activity);
        return { status: 200, body: await ask(user, { type: 'presence', ...b }) };
      },
      true,
    ),
  );
  // Before presence/:user_id, so that "bulk" is not taken for a user id.
  app.get(
    `${prefix}/presence/bulk`,
    route('anyone', async ({ principal, query }) => {
      signedIn(principal);
      const raw = query.get('user_ids');
      const ids = raw === null ? [] : [...new Set(raw.split(',').filter((s) => s !== ''))];
      if (ids.length === 0 || ids.length > 500) throw new HaatError('bad_request', '`user_ids` must name 1 to 500 users, comma-separated');
      for (const id of ids) if (!userId.safeParse(id).success) throw new HaatError('bad_request', `bad user id ${JSON.stringify(id.slice(0, 40))}`);
      const views = await Promise.all(ids.map((id) => presenceOf(principal, id)));
      return { status: 200, body: { presence: Object.fromEntries(ids.map((id, i) => [id, views[i]])) } };
    }),
  );
  app.get(
    `${prefix}/presence/:user_id`,
    route('anyone', async ({ principal, params }) => {
      signedIn(principal);
      const id = params[0] ?? '';
      if (!userId.safeParse(id).success) throw new HaatError('bad_request', 'bad user id');
      return { status: 200, body: await presenceOf(principal, id) };
    }),
  );
  app.get(
    `${prefix}/online-users`,
    route('anyone', async ({ principal, query }) => {
      signedIn(principal);
      if (!principal.roles.has('admin') && !principal.roles.has('support')) throw new HaatError('forbidden', 'admin or support role required');
      const limit = limitOf(query);
      const cursor = query.get('cursor');
      const after = cursor === null || cursor === '' ? null : Buffer.from(cursor, 'base64url').toString('utf8');
      const ids = await d.connectedUsers(after, limit + 1);
      const page = ids.slice(0, limit);
      const views = (await Promise.all(page.map((id) => presenceOf(principal, id)))) as { user_id: string; status: string }[];
      const last = page[page.length - 1];
      return {
        status: 200,
        body: {
          // An invisible user is listed to admins only (support sees it offline, like everyone else).
          users: views.filter((v) => v.status !== 'offline').map((v) => ({ user_id: v.user_id, status: v.status })),
          next_cursor: ids.length > limit && last !== undefined ? Buffer.from(last).toString('base64url') : null,
        },
      };
    }),
  );

  app.post(
    `${prefix}/notifications`,
    route(
      'server',
      async ({ body }) => {
        const b = parseBody(notificationsBody, await body);
        const now = d.clock.now();
        const rendered = renderBoth(b.notification_type, b.params ?? {});
        const users = [...new Set(b.user_ids)];
        const ttlS = b.ttl_s ?? d.users.defaultTtlS;
        const eventId = b.client_msg_id === undefined ? `ev_${nanoid(12)}` : notificationId(`event|${b.client_msg_id}`).replace(/^nt_/, 'ev_');
        const priority = b.priority ?? DEFAULT_NOTIFICATION_PRIORITY;
        // The record of the send and its delivery counts (realtime_events.delivery_status).
        await d.store.events.insert({ id: eventId, event_type: b.notification_type, channel: 'notifications', data: { notification_type: b.notification_type, params: b.params ?? {}, data: b.data ?? {} }, priority, ttl_s: ttlS, created_at: now, expires_at: now + ttlS * 1000, delivery: { total: users.length, delivered: 0, failed: 0 } }).catch((err: unknown) => {
          // A retried POST (same client_msg_id) finds its record there already.
          if (!(err instanceof HaatError && err.code === 'conflict')) throw err;
        });
        const sent = await Promise.all(
          users.map(async (user) => {
            const n: NewNotification = {
              id: b.client_msg_id === undefined ? `nt_${nanoid(16)}` : notificationId(`${user}|post|${b.client_msg_id}`),
              notification_type: b.notification_type,
              ...rendered,
              data: b.data ?? {},
              priority,
              created_at: now,
              expires_at: now + ttlS * 1000,
              event_id: eventId,
            };
            try {
              await ask(user, { type: 'notify', notifications: [n] });
              return { ok: true as const, id: n.id, user_id: user };
            } catch (err) {
              return { ok: false as const, user_id: user, code: forClient(err).code };
            }
          }),
        );
        const failed = sent.filter((s) => !s.ok);
        if (failed.length > 0) await d.store.events.addDelivery(eventId, { failed: failed.length });
        return {
          status: 202,
          body: {
            notifications: sent.flatMap((s) => (s.ok ? [{ id: s.id, user_id: s.user_id }] : [])),
            // haat's extension: recipients whose actor could not queue it now (retry them; ids are kept with client_msg_id).
            ...(failed.length > 0 ? { failed: failed.map((f) => ({ user_id: f.user_id, code: f.code })) } : {}),
          },
        };
      },
      true,
    ),
  );
  app.get(
    `${prefix}/notifications`,
    route('anyone', async ({ principal, query }) => {
      const caller = signedIn(principal);
      const user = query.get('user_id') ?? caller;
      if (!userId.safeParse(user).success) throw new HaatError('bad_request', 'bad `user_id`');
      if (user !== caller && !isServer(principal)) throw new HaatError('forbidden', 'only the user or the server roles may list its notifications');
      const rawStatus = query.get('status');
      const status = rawStatus === null ? undefined : statusQuery.safeParse(rawStatus);
      if (status !== undefined && !status.success) throw new HaatError('bad_request', '`status` must be queued, delivered, acked or expired');
      const lang = user === caller ? (principal.lang ?? null) : null;
      // Checked here: the user actor's decodeCursor would throw inside the actor (a crash and a 500, found by fuzzing).
      decodeCursor(query.get('cursor'), 2);
      const msg = { type: 'list_notifications', limit: limitOf(query), cursor: query.get('cursor'), lang, ...(status === undefined ? {} : { status: status.data }) };
      return { status: 200, body: await ask(user, msg) };
    }),
  );
}
