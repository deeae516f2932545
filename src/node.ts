// The composition root of one node: config in, running parts out. main.ts
// wraps it in a process; tests start it in-process on port 0.
import { HeapTrimmer, type HeapUse, type TrimReport } from './heap/trimmer.ts';
import { trimConfigOf } from './heap/trim-policy.ts';
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
import { CpuMeter, scalingSignal, type ScalingSignal } from './metrics/scaling.ts';
import { registerOpsMetrics } from './metrics/ops-metrics.ts';
import type { AnalyticsSnapshot } from './metrics/analytics.ts';
import { systemClock, toDhakaIso, type Clock } from './time/clock.ts';
import type { SequencedEvent } from './domain/channel/messages.ts';
import type { HostSlice } from './domain/behaviours.ts';
import type { Engine, EngineSpec } from './engines/engine.ts';
import { createMemoryEngine } from './engines/memory/memory-engine.ts';
import { createRedisEngine } from './engines/redis/redis-engine.ts';
import { ThreadHeartbeat } from './cluster/thread-heartbeat.ts';
import { HistoryPublisher } from './gateway/history-publisher.ts';
import { parseRedisUrls } from './config/load.ts';
import { Cluster } from './cluster/cluster.ts';
import { SupervisionLog } from './cluster/supervision-log.ts';
import { BusCoalescer } from './cluster/bus-coalescer.ts';
import { OrderedFeed } from './cluster/ordered-feed.ts';
import { BusInterest, BusJoinSync } from './cluster/bus-interest.ts';
import type { GatewayDeps } from './gateway/gateway.ts';
import { ClusterServices, localNodeOf } from './cluster/cluster-services.ts';
import type { ClusterAdmin } from './cluster/cluster-admin.ts';
import type { ControlRequest } from './cluster/node-control.ts';
import type { MongoStoreOptions, Store, StoreSpec } from './store/store.ts';
import { createStore } from './store/create-store.ts';
import { NotificationExpiry } from './store/notification-expiry.ts';
import { isUserEffect, UserEffects } from './user-effects.ts';
import { userAddress } from './domain/user/messages.ts';
import { CHAT_ROOMS_SERVICE, serveChatRoomsCall } from './store/linked-chat-rooms.ts';
import { chatLanguagesOf } from './i18n/translate/create-chat-languages.ts';
import { startAdmin } from './admin/admin.ts';
import { demoWebhookSecrets, mountDemo } from './demo/demo.ts';


export const DOMAIN_BEHAVIOURS = new URL('./domain/behaviours.ts', import.meta.url).href;
const VERSION = '0.1.0';

export interface RunningNode {
  port: number;
  nodeId: string;
  uws: UwsBuild;
  actors: ActorSystem;
  gateway: Gateway;
  metrics: Metrics;
  /** The system of record: memory, or MongoDB when MONGO_URL is set. */
  store: Store;
  /** Publishes this node's snapshots on `admin:stats` while an admin watches (GET /admin). */
  admin: { published: number };
  /** Live analytics (metrics/analytics.ts): this node's, or the cluster's sum when clustered (the admin page's source). */
  analytics(): Promise<AnalyticsSnapshot>;
  /** Drains (closing frames, 1001) and stops; resolves when everything is closed. */
  stop(): Promise<void>;
}

export interface NodeOptions {
  clock?: Clock;
  /** Process-wide default metrics (event loop, GC); off for in-process test nodes. */
  defaultMetrics?: boolean;
  /** MongoDB store timings (tests shorten them to see an outage quickly). */
  mongo?: Pick<MongoStoreOptions, 'serverSelectionTimeoutMs' | 'healthIntervalMs' | 'flushMs' | 'flushOps'>;
}

export async function startNode(config: Config, logger: Logger, opts: NodeOptions = {}): Promise<RunningNode> {
  const clock = opts.clock ?? systemClock;
  const { uws, build } = loadUws({ allowFallback: config.uws.allowFallback });
  logger.info({ uws: build.binary, native: build.native }, build.native ? 'uWebSockets.js native build loaded' : 'uWebSockets.js ws FALLBACK loaded (slow; allowed by HAAT_ALLOW_UWS_FALLBACK)');
  if (config.auth.jwtSecretIsDefault) logger.warn('HAAT_JWT_SECRET is not set: using the built-in development secret');
  const metrics = createMetrics({
    defaultMetrics: opts.defaultMetrics ?? true,
    analytics: { latencyBudgetMs: config.analytics.latencyBudgetMs, latencyWindowMs: config.analytics.latencyWindowMs, now: () => clock.now() },
  });
  // RSS once everything but connections is up (set when listening): what connections add is measured from it.
  let rssBaseline = process.memoryUsage.rss();
  const cpu = new CpuMeter();

  const nodeId = config.node.id;
  const redisUrls = config.engine.redisUrl === null ? undefined : parseRedisUrls(config.engine.redisUrl);
  const engineSpec: EngineSpec = redisUrls ? { kind: 'redis', urls: redisUrls } : { kind: 'memory' };
  // The node's own engine (main thread). Redis: started without waiting, so a
  // node whose Redis is down comes up not ready and keeps trying (health 503).
  const engine: Engine = redisUrls ? await createRedisEngine(redisUrls, { logger: logger.child({ mod: 'redis' }), waitForConnection: false }) : createMemoryEngine(clock);
  // MongoDB: returns at once; a node whose MongoDB is down comes up not ready (health 503) and keeps trying.
  const mem = config.store.memory;
  const storeSpec: StoreSpec = config.store.mongoUrl === null ? { kind: 'memory', retention: { notificationsPerUser: mem.notificationsPerUser, disconnectedKeepMs: mem.disconnectedKeepS * 1000, sweepMs: mem.sweepS * 1000 } } : { kind: 'mongodb', url: config.store.mongoUrl, ...opts.mongo };
  const store = createStore(storeSpec, { logger, clock });
  const notificationExpiry = new NotificationExpiry(store.notifications, clock, logger.child({ mod: 'notification-expiry' }), config.store.expireNotificationsS * 1000);
  notificationExpiry.start();
  logger.info({ engine: engine.name, store: store.kind }, 'engine and store chosen');
  const hostSlice: HostSlice = { channels: config.channels, commerce: config.commerce, users: config.users, chat: { idleMs: config.commerce.idleMs, publishTimeoutMs: config.actors.askTimeoutMs }, engine: engineSpec };
  let cluster: Cluster | undefined;
  const heapTrim = trimConfigOf(config.heap.trim);
  const actors = new ActorSystem({
    config: config.actors,
    behaviourModules: [DOMAIN_BEHAVIOURS],
    logger,
    hostConfig: hostSlice,
    heapTrim,
    ...(config.heap.hostYoungGenerationMb === null ? {} : { hostYoungGenerationMb: config.heap.hostYoungGenerationMb }),
    engines: { spec: engineSpec, state: engine.state, reminders: engine.reminders },
    // Only the owner delivers a due reminder.
    reminders: { isLocal: (address) => cluster === undefined || cluster.ownsLocally(address) },
    // Room actors write chat rooms through this node's store (the main thread's).
    services: { [CHAT_ROOMS_SERVICE]: (payload) => serveChatRoomsCall(store.chatRooms, payload) },
  });
  actors.on('lifecycle', (ev) => metrics.actorLifecycle.labels(ev.kind).inc());
  // One node keeps its supervision in its memory engine; clustered, the Cluster writes the shared stream.
  const singleSupervision = redisUrls ? undefined : new SupervisionLog({ logs: engine.logs, nodeId, maxLen: config.cluster.supervisionMaxLen, clock, logger: logger.child({ mod: 'supervision' }) }).follow(actors);
  actors.on('hostDown', () => metrics.hostDeaths.inc());
  actors.on('asksExpired', (n) => metrics.asksExpired.inc(n));
  const trimmed = (r: TrimReport): void => {
    metrics.heapTrims.labels(r.thread).inc();
    metrics.heapTrimFreed.labels(r.thread).inc(Math.max(0, r.beforeBytes - r.afterBytes));
    metrics.heapTrimPause.labels(r.thread).observe(r.pauseMs / 1000);
    logger.info({ thread: r.thread, before_mb: +(r.beforeBytes / 2 ** 20).toFixed(1), after_mb: +(r.afterBytes / 2 ** 20).toFixed(1), pause_ms: +r.pauseMs.toFixed(1) }, 'heap trimmed');
  };
  actors.on('heapTrim', trimmed);
  const heapUse = (r: HeapUse): void => {
    metrics.threadHeap.labels(r.thread, 'used').set(r.usedBytes);
    metrics.threadHeap.labels(r.thread, 'committed').set(r.committedBytes);
  };
  actors.on('heapUse', heapUse);
  const mainTrimmer = new HeapTrimmer('main', heapTrim, clock, trimmed, heapUse).start();
  let hostsDown = 0;
  actors.on('hostDown', () => hostsDown++);
  actors.on('hostRestarted', () => hostsDown--);
  await actors.start();

  const app = uws.App();
  const verifier = new TokenVerifier(config.auth);
  const fanout = new Fanout(app, metrics, clock);
  let listeningPort: number | undefined;
  const bus = engine.bus;
  let busDeps: Pick<GatewayDeps, 'interest' | 'joinSync' | 'publisher'> = {};
  let gatewayRef: Gateway | undefined;
  if (bus) {
    // Redis: events come over the bus, in offset order per channel once through the feed.
    const f = new OrderedFeed({
      deliver: (ev) => fanout.onEvent(ev),
      read: async (channel, since) => engine.history.readSince(channel, since, clock.now()),
      logger,
      onLoss: (channel, missing) => {
        logger.error({ channel, missing }, 'events lost to this node: history no longer held them');
        // Every local subscriber of the channel misses them (a drop in analytics).
        metrics.analytics.drop(undefined, 'lost', missing * (gatewayRef?.channelSubscribers.get(channel) ?? 0));
      },
    });
    const coalescer = new BusCoalescer((ev) => f.onEvent(ev), config.cluster.busCoalesceMs, logger);
    bus.onEvent((ev) => coalescer.push(ev));
    // What waits is handed on first: a resync must not overtake it.
    bus.onReset(() => {
      coalescer.flush();
      f.resyncAll();
    });
    busDeps = {
      interest: (joinInFlight) => new BusInterest(bus, f, joinInFlight, logger),
      joinSync: new BusJoinSync(bus, f),
      // Any node may append (the history's script numbers): no hop to the channel's owner.
      ...(engine.history.publishesOnAppend ? { publisher: new HistoryPublisher(engine.history, config.channels, clock) } : {}),
    };
  } else {
    actors.onEmit((v) => {
      if ((v as SequencedEvent).k === 'event') fanout.onEvent(v as SequencedEvent);
    });
  }
  let userEffects: UserEffects | undefined;
  // User actors (presence, notifications) hand frames and store records to their node's main thread.
  actors.onEmit((v) => {
    if (isUserEffect(v)) userEffects?.handle(v);
  });
  // Redis: connection limits, user rates, the security log and admin span the cluster.
  const services = redisUrls ? new ClusterServices({ engine, nodeId, gateway: config.gateway, clock, logger, cluster: () => cluster }) : undefined;
  let clusterAdmin: ClusterAdmin | undefined;
  const chatLanguages = chatLanguagesOf(config.translate, logger);
  const gateway = new Gateway({
    uws,
    app,
    config: config.gateway,
    network: config.network,
    spam: config.spam,
    abuse: config.abuse,
    nodeId,
    allowGuests: config.auth.allowGuests,
    askTimeoutMs: config.actors.askTimeoutMs,
    keyedAskFlightMs: config.actors.keyedAskFlightMs,
    actors,
    fanout,
    verifier,
    metrics,
    clock,
    logger,
    reconnectAfterMs: config.server.reconnectAfterMs,
    ...busDeps,
    ...services?.gatewayDeps,
    deliveredEvents: (ids) => userEffects?.countDelivered(ids),
    chatLanguages,
    ...(redisUrls ? { roster: rosterOf(() => cluster, engine, nodeId, logger) } : {}),
  });
  userEffects = new UserEffects({
    nodeId,
    store,
    logger: logger.child({ mod: 'user-effects' }),
    deliverLocal: (sessions, frames) => gateway.userDevices.deliver(sessions, frames),
    ...(redisUrls ? { askNode: (node: string, req: ControlRequest) => (cluster ? cluster.mailboxes.ask(node, req, config.actors.askTimeoutMs) : Promise.reject(new Error('not clustered yet'))) } : {}),
  });
  gateway.mount();
  gatewayRef = gateway;
  metrics.analytics.start({ sockets: () => gateway.sockets, bytesOf: (ch) => fanout.bytesOf(ch) });
  actors.on('hostRestarted', ({ index }) => gateway.rewatch(index));
  const meter = new RateMeter(() => ({ in: gateway.framesIn, out: metrics.analytics.framesOut() }));

  if (redisUrls) {
    const startedAt = Date.now();
    const c = new Cluster({
      nodeId,
      config: config.cluster,
      engine,
      actors,
      logger,
      clock,
      askTimeoutMs: config.actors.askTimeoutMs,
      startedAt,
      heartbeat: new ThreadHeartbeat({
        urls: redisUrls,
        nodeId,
        startedAt,
        config: config.cluster,
        pulse: () => ({ endpoint: `${config.server.host}:${listeningPort ?? config.server.port}`, connections: gateway.sockets.size, actors: actors.activeActors() }),
        logger,
      }),
      onNodeDead: (dead) => void leaveDeadRoster(engine, actors, dead, logger),
    });
    c.membership.on('ring', ({ ring }) => actors.setRingEpoch(ring.epoch));
    cluster = c;
    clusterAdmin = services?.attach(c, localNodeOf(nodeId, gateway, meter, () => ({ analytics: metrics.analytics.snapshot(), cpu: cpu.utilization })));
    await c.start();
    if (!c.ready) logger.warn('starting NOT READY: the redis engine is unreachable; retrying with backoff (health answers 503 until it answers)');
  }

  const clusterView = async (limit = 50) => {
    if (cluster) return cluster.view(limit);
    const supervision = (await singleSupervision?.read(limit)) ?? [];
    const now = clock.now();
    return {
      node: nodeId,
      ring_epoch: null,
      nodes: [{ id: nodeId, status: 'alive' as const, last_heartbeat: toDhakaIso(now), connections: gateway.sockets.size, actors: actors.activeActors(), endpoint: `${config.server.host}:${listeningPort ?? config.server.port}` }],
      supervision,
    };
  };
  const scalingNow = (): ScalingSignal => {
    const t = cluster?.totals();
    return scalingSignal({ nodes: t?.nodes ?? 1, connections: t ? t.connections : gateway.sockets.size, cpuMax: cpu.utilization }, config.analytics.scaling);
  };
  registerOpsMetrics(metrics.registry, {
    engine: engine.name,
    engineUp: () => cluster === undefined || cluster.ready,
    ringMembers: () => (cluster ? cluster.ringMembers : 1),
    heartbeatAgeSeconds: () => (cluster ? cluster.membership.heartbeatAgeMs / 1000 : 0),
    expectedNodes: config.analytics.expectedNodes,
    connections: () => gateway.sockets.size,
    cpu: () => cpu.utilization,
    desiredNodes: () => scalingNow().desired_nodes,
    rssBaseline: () => rssBaseline,
  });

  mountRest({
    app,
    verifier,
    actors,
    metrics,
    logger,
    askTimeoutMs: config.actors.askTimeoutMs,
    nodeId,
    clock,
    gateway,
    clusterAdmin: () => clusterAdmin,
    store,
    users: config.users,
    webhooks: demoWebhookSecrets(config.webhooks, config.demo),
    abuse: config.abuse,
    chatLanguages,
    health: () => {
      const engineOk = cluster === undefined || cluster.ready;
      const storeHealth = store.health();
      const checks = {
        engine: cluster === undefined ? 'ok (memory: in this process)' : engineOk ? `ok (${engine.name}, ring epoch ${cluster.ringEpoch ?? '?'})` : `${engine.name} unreachable`,
        store: storeHealth.detail,
        actors: hostsDown > 0 ? `${hostsDown} host thread(s) down` : 'ok',
        gateway: gateway.isDraining ? 'draining' : 'ok',
      };
      return { ready: hostsDown === 0 && !gateway.isDraining && engineOk && storeHealth.ok, checks };
    },
    info: () => ({
      version: VERSION,
      node: nodeId,
      engine: engine.name,
      store: store.kind,
      uws: build,
      node_version: process.version,
      config: { workers: config.actors.workers, gateway: config.gateway, channels: config.channels, cluster: redisUrls ? config.cluster : null, allow_guests: config.auth.allowGuests },
    }),
    stats: () => {
      const local = {
        node: nodeId,
        connections: gateway.sockets.size,
        channels: gateway.channelSubscribers.size,
        messages_in_per_s: meter.rate('in'),
        messages_out_per_s: meter.rate('out'),
        totals: { frames_in: gateway.framesIn, frames_out: metrics.analytics.framesOut(), events_published: fanout.events },
        actors: { host_threads: actors.hostCount, queued_messages: actors.queuedMessages() },
        cpu: Math.round(cpu.utilization * 1000) / 1000,
        analytics: metrics.analytics.snapshot(),
      };
      if (!cluster || !services) {
        // One node: its own figures are the whole (README "Analytics and alerts").
        return { ...local, delivery_latency_p99_ms: local.analytics.delivery_latency.p99_ms, scaling: scalingNow() };
      }
      return services.stats(local, cluster, config.analytics.scaling);
    },
    cluster: clusterView,
  });
  const loopback = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  mountDemo({ app, config: config.demo, jwtSecret: config.auth.jwtSecret, bkashSecret: demoWebhookSecrets(config.webhooks, config.demo).secrets.bkash, base: () => `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${listeningPort ?? config.server.port}`, logger: logger.child({ mod: 'demo' }) });
  const admin = startAdmin({ app, nodeId, gateway, fanout, metrics, actors, askTimeoutMs: config.actors.askTimeoutMs, cluster: () => clusterView(10), counters: redisUrls ? engine.counters : undefined, clock, logger });

  const listenSocket = await new Promise<unknown>((resolve, reject) => {
    app.listen(config.server.host, config.server.port, (sock) => (sock ? resolve(sock) : reject(new Error(`cannot listen on ${config.server.host}:${config.server.port}`))));
  });
  const port = uws.us_socket_local_port(listenSocket as never);
  listeningPort = port;
  rssBaseline = process.memoryUsage.rss();
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
    mainTrimmer.stop();
    admin.stop();
    meter.stop();
    cpu.stop();
    metrics.analytics.stop();
    services?.stop();
    // Leave the ring before the actors stop: the others own them from now on
    // (their state is in the engine), and this node's mailbox is taken over.
    if (cluster) await cluster.leave();
    await actors.stop();
    await notificationExpiry.stop();
    await store.close();
    await engine.close();
  };
  return {
    port,
    nodeId,
    uws: build,
    actors,
    gateway,
    metrics,
    store,
    admin,
    analytics: async () => (clusterAdmin ? ((await clusterAdmin.stats()).analytics ?? metrics.analytics.snapshot()) : metrics.analytics.snapshot()),
    stop: () => (stopped ??= stop()),
  };
}

/** A node incarnation's roster name: a restart under the same id starts a new one. */
const rosterName = (id: string, startedAt: number): string => `${id}@${startedAt}`;

/** This node's roster in the engine (clustered): which users have a connection here. */
function rosterOf(cluster: () => Cluster | undefined, engine: Engine, nodeId: string, logger: Logger): { joined(user: string): void; left(user: string): void } {
  const write = (op: 'add' | 'remove', user: string): void => {
    const c = cluster();
    if (!c) return;
    engine.rosters[op](rosterName(nodeId, c.membership.incarnation), user).catch((err: unknown) => logger.warn({ user, op, err: (err as Error).message }, 'roster write failed; presence of this user may keep a ghost device if this node dies'));
  };
  return { joined: (user) => write('add', user), left: (user) => write('remove', user) };
}

/** No ghosts: the users a dead node held lose its devices (their user actors hear `node_down`). */
async function leaveDeadRoster(engine: Engine, actors: ActorSystem, dead: { id: string; startedAt: number }, logger: Logger): Promise<void> {
  const name = rosterName(dead.id, dead.startedAt);
  try {
    const users = await engine.rosters.members(name);
    for (const u of users) actors.send(userAddress(u), { type: 'node_down', node: dead.id });
    await engine.rosters.drop(name);
    logger.info({ dead: dead.id, users: users.length }, 'the users of a dead node left its devices');
  } catch (err) {
    logger.error({ dead: dead.id, err: (err as Error).message }, 'could not read a dead node`s roster: its users may show ghost devices');
  }
}
