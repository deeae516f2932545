// REST basics of PROTOCOL.md §10 under /api/v1/realtime, and /metrics.
import type { TemplatedApp, HttpRequest } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { ActorSystem } from '../actors/system.ts';
import { HaatError } from '../errors.ts';
import type { Metrics } from '../metrics/registry.ts';
import { parseChannel, mayBroadcast } from './acl.ts';
import { bearer, type TokenVerifier } from './auth.ts';
import { broadcastBody } from './frames.ts';
import { readJson, sendError, sendJson, track, type Reply } from './http.ts';
import { GUEST, isServer, type Principal } from './principal.ts';
import { publish } from './publish.ts';

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
  stats: () => object;
  nodeId: string;
}

type Need = 'admin' | 'server';

export function mountRest(d: RestDeps): void {
  const { app } = d;
  const log = d.logger.child({ mod: 'rest' });

  /** Reads the bearer token now (req is invalid after an await) and checks it later. */
  const principalOf = (req: HttpRequest): (() => Promise<Principal>) => {
    const token = bearer(req.getHeader('authorization'));
    return () => (token ? d.verifier.principal(token) : Promise.resolve(GUEST));
  };
  const authorize = async (who: () => Promise<Principal>, need: Need): Promise<Principal> => {
    const p = await who();
    if (p.userId === null) throw new HaatError('unauthorized', 'a bearer token is required');
    const ok = need === 'admin' ? p.roles.has('admin') : isServer(p);
    if (!ok) throw new HaatError('forbidden', need === 'admin' ? 'admin role required' : 'publisher or admin role required');
    return p;
  };
  const handle = (r: Reply, work: () => Promise<{ status: number; body: unknown }>): void => {
    work().then(
      ({ status, body }) => sendJson(r, status, body),
      (err: unknown) => {
        if (!(err instanceof HaatError)) log.error({ err }, 'REST handler failed');
        d.metrics.errors.labels(err instanceof HaatError ? err.code : 'internal').inc();
        sendError(r, err);
      },
    );
  };

  app.get(`${PREFIX}/health`, (res) => {
    const h = d.health();
    sendJson(track(res), h.ready ? 200 : 503, { status: h.ready ? 'ok' : 'unavailable', node: d.nodeId, checks: h.checks });
  });

  app.get(`${PREFIX}/info`, (res, req) => {
    const r = track(res);
    const who = principalOf(req);
    handle(r, async () => {
      await authorize(who, 'admin');
      return { status: 200, body: d.info() };
    });
  });

  app.get(`${PREFIX}/stats`, (res, req) => {
    const r = track(res);
    const who = principalOf(req);
    handle(r, async () => {
      await authorize(who, 'admin');
      return { status: 200, body: d.stats() };
    });
  });

  app.post(`${PREFIX}/events/broadcast`, (res, req) => {
    const r = track(res);
    const who = principalOf(req);
    const body = readJson(r, MAX_BODY);
    // Read even when authorization fails first; its error then is not the answer.
    body.catch((err: unknown) => log.debug({ err }, 'broadcast body unread'));
    handle(r, async () => {
      const p = await authorize(who, 'server');
      const parsed = broadcastBody.safeParse(await body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new HaatError('bad_request', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
      }
      const b = parsed.data;
      const channels = [...new Set(b.channels ?? [b.channel!])];
      for (const channel of channels) {
        const ch = parseChannel(channel);
        if (!ch) throw new HaatError('bad_request', `bad channel name ${JSON.stringify(channel)}`);
        if (!mayBroadcast(p, ch, channel)) throw new HaatError('forbidden', `may not broadcast on ${channel}`);
      }
      // Validated as a whole before anything is published; a retry with the same
      // client_msg_id publishes only what the first attempt did not.
      const answers = await Promise.all(
        channels.map((channel) =>
          publish(d.actors, { channel, event_type: b.event_type, data: b.data, priority: b.priority ?? 'normal', ttl_s: b.ttl_s, sender: p.userId, client_msg_id: b.client_msg_id }, d.askTimeoutMs),
        ),
      );
      return { status: 200, body: { ok: true, events: answers.map((a, i) => ({ channel: channels[i], id: a.id, offset: a.offset })) } };
    });
  });

  app.get('/metrics', (res) => {
    const r = track(res);
    d.metrics.registry.metrics().then(
      (text) => sendJson(r, 200, text, d.metrics.registry.contentType),
      (err: unknown) => sendError(r, err),
    );
  });

  app.any(`${PREFIX}/*`, (res, req) => {
    sendError(track(res), new HaatError('not_found', `no route ${req.getMethod().toUpperCase()} ${req.getUrl()}`));
  });
  app.any('/*', (res, req) => {
    sendError(track(res), new HaatError('not_found', `no route ${req.getMethod().toUpperCase()} ${req.getUrl()}`));
  });
}
