// The composition root of one node: config in, running parts out. main.ts
// wraps it in a process; tests start it in-process on port 0.
import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';
import { ActorSystem } from './actors/system.ts';
import { loadUws, type UwsBuild } from './gateway/uws.ts';
import { createMetrics, type Metrics } from './metrics/registry.ts';
import { TokenVerifier } from './gateway/auth.ts';
import { Fanout } from './gateway/fanout.ts';
import { Gateway } from './gateway/gateway.ts';
import { mountRest } from './gateway/rest.ts';
import { RateMeter } from './metrics/rate-meter.ts';
import { systemClock, type Clock } from './time/clock.ts';
import type { SequencedEvent } from './domain/channel/messages.ts';
import type { HostSlice } from './domain/behaviours.ts';
import type { EngineSpec } from './engines/engine.ts';

export const DOMAIN_BEHAVIOURS = new URL('./domain/behaviours.ts', import.meta.url).href;
const VERSION = '0.1.0';

export interface RunningNode {
  port: number;
  nodeId: string;
  uws: UwsBuild;
  actors: ActorSystem;
  gateway: Gateway;
  metrics: Metrics;
  /** Drains (closing frames, 1001) and stops; resolves when everything is closed. */
  stop(): Promise<void>;
}

export interface NodeOptions {
  clock?: Clock;
  /** Process-wide default metrics (event loop, GC); off for in-process test nodes. */
  defaultMetrics?: boolean;
}

/** Settings a node was given that this build cannot honour stop it at start, naming the setting (no silent fallback). */
export function refuseUnbuilt(config: Config): void {
  if (config.store.mongoUrl !== null) {
    throw new Error('MONGO_URL is set, but the MongoDB store is not part of this version of haat yet: unset MONGO_URL to run on the memory store');
  }
  if (config.engine.redisUrl !== null) {
    throw new Error('REDIS_URL is set, but this build has no redis engine: unset REDIS_URL to run one node on the memory engine');
  }
}

export async function startNode(config: Config, logger: Logger, opts: NodeOptions = {}): Promise<RunningNode> {
  refuseUnbuilt(config);
  const clock = opts.clock ?? systemClock;
  const { uws, build } = loadUws({ allowFallback: config.uws.allowFallback });
  logger.info({ uws: build.binary, native: build.native }, build.native ? 'uWebSockets.js native build loaded' : 'uWebSockets.js ws FALLBACK loaded (slow; allowed by HAAT_ALLOW_UWS_FALLBACK)');
  if (config.auth.jwtSecretIsDefault) logger.warn('HAAT_JWT_SECRET is not set: using the built-in development secret');
  const metrics = createMetrics({ defaultMetrics: opts.defaultMetrics ?? true });

  const engineSpec: EngineSpec = { kind: 'memory' };
  const hostSlice: HostSlice = { channels: config.channels, engine: engineSpec };
  const actors = new ActorSystem({ config: config.actors, behaviourModules: [DOMAIN_BEHAVIOURS], logger, hostConfig: hostSlice });
  actors.on('lifecycle', (ev) => metrics.actorLifecycle.labels(ev.kind).inc());
  actors.on('hostDown', () => metrics.hostDeaths.inc());
  let hostsDown = 0;
  actors.on('hostDown', () => hostsDown++);
  actors.on('hostRestarted', () => hostsDown--);
  await actors.start();

  const app = uws.App();
  const verifier = new TokenVerifier(config.auth);
  const fanout = new Fanout(app, metrics, clock);
  actors.onEmit((v) => {
    if ((v as SequencedEvent).k === 'event') fanout.onEvent(v as SequencedEvent);
  });
  const gateway = new Gateway({
    uws,
    app,
    config: config.gateway,
    nodeId: config.node.id,
    allowGuests: config.auth.allowGuests,
    askTimeoutMs: config.actors.askTimeoutMs,
    actors,
    fanout,
    verifier,
    metrics,
    clock,
    logger,
    reconnectAfterMs: config.server.reconnectAfterMs,
  });
  gateway.mount();
  actors.on('hostRestarted', ({ index }) => gateway.rewatch(index));
  const meter = new RateMeter(() => ({ in: gateway.framesIn, out: gateway.framesOut + fanout.deliveries }));

  mountRest({
    app,
    verifier,
    actors,
    metrics,
    logger,
    askTimeoutMs: config.actors.askTimeoutMs,
    nodeId: config.node.id,
    gateway,
    health: () => {
      const checks = { engine: 'ok', store: 'ok', actors: hostsDown > 0 ? `${hostsDown} host thread(s) down` : 'ok', gateway: gateway.isDraining ? 'draining' : 'ok' };
      return { ready: hostsDown === 0 && !gateway.isDraining, checks };
    },
    info: () => ({
      version: VERSION,
      node: config.node.id,
      engine: 'memory',
      store: 'memory',
      uws: build,
      node_version: process.version,
      config: { workers: config.actors.workers, gateway: config.gateway, channels: config.channels, allow_guests: config.auth.allowGuests },
    }),
    stats: () => ({
      node: config.node.id,
      connections: gateway.sockets.size,
      channels: gateway.channelSubscribers.size,
      messages_in_per_s: meter.rate('in'),
      messages_out_per_s: meter.rate('out'),
      totals: { frames_in: gateway.framesIn, frames_out: gateway.framesOut + fanout.deliveries, events_published: fanout.events },
      actors: { host_threads: actors.hostCount, queued_messages: actors.queuedMessages() },
    }),
  });

  const listenSocket = await new Promise<unknown>((resolve, reject) => {
    app.listen(config.server.host, config.server.port, (sock) => (sock ? resolve(sock) : reject(new Error(`cannot listen on ${config.server.host}:${config.server.port}`))));
  });
  const port = uws.us_socket_local_port(listenSocket as never);
  logger.info({ port }, 'listening');

  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    uws.us_listen_socket_close(listenSocket as never); // refuse new connections
    const told = gateway.drain();
    logger.info({ connections: told }, 'drain: clients told to reconnect');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gateway.drained(), new Promise<void>((r) => (timer = setTimeout(r, config.server.drainTimeoutMs)))]);
    clearTimeout(timer);
    if (gateway.sockets.size > 0) {
      logger.warn({ left: gateway.sockets.size }, 'drain timeout: closing the rest');
      for (const ws of [...gateway.sockets]) ws.close();
    }
    gateway.stop();
    meter.stop();
    await actors.stop();
  };
  return {
    port,
    nodeId: config.node.id,
    uws: build,
    actors,
    gateway,
    metrics,
    stop: () => (stopped ??= stop()),
  };
}
