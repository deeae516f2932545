// The WebSocket side of a node (PROTOCOL.md §1–§4, §9): the upgrade with JWT
// auth and admission, the `authenticated` frame, then per frame the flood
// check, validation, rate limits and the dispatch table. The parts live
// beside it: hub.ts (connections and subscriptions), writer.ts (outbox,
// corking, slow consumers, closes), membership.ts (joins and leaves),
// handlers.ts (the dispatch table), ../security/ (admission, flood checks).
import type { TemplatedApp, HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { nanoid } from 'nanoid';
import type { ActorSystem } from '../actors/system.ts';
import type { AbuseConfig, GatewayConfig, NetworkConfig, SpamConfig } from '../config/schema.ts';
import { forClient, HaatError } from '../errors.ts';
import { realtimeMessages, textError, type RealtimeMessages } from '../i18n/realtime-messages.ts';
import type { ChatLanguages } from '../i18n/translate/chat-languages.ts';
import type { Metrics } from '../metrics/registry.ts';
import type { Admission } from '../security/admission.ts';
import { FloodGuard } from '../security/flood.ts';
import { LocalAdmission } from '../security/local-admission.ts';
import { ClientIps } from '../security/client-ip.ts';
import { MemorySecurityLog } from '../security/memory-security-log.ts';
import type { SecurityEventKind, SecurityLog } from '../security/security-log.ts';
import { TokenBucket } from '../security/token-bucket.ts';
import { UserRateLimits } from '../security/user-rate.ts';
import { SpamGuard } from '../security/spam.ts';
import { UpgradeGuard, type UpgradeRefusal } from '../security/upgrade-guard.ts';
import type { OutgoingChat } from '../domain/chat/messages.ts';
import type { UserRates } from '../security/user-rates.ts';
import { toDhakaIso, type Clock } from '../time/clock.ts';
import { ActorInterest } from './actor-interest.ts';
import type { NodeInterest } from './interest.ts';
import type { JoinSync } from './join-sync.ts';
import { bearer, type TokenVerifier } from './auth.ts';
import { NO_SUBSCRIPTIONS, stateOf, type ConnState, type SocketData, type DeviceHint, type Lang, type NetHint, type Socket } from './connection.ts';
import { dispatch, type DispatchTable } from './dispatch.ts';
import type { Fanout } from './fanout.ts';
import { parseFrame, withRef, type FrameRef } from './frames.ts';
import { frameHandlers } from './handlers.ts';
import { Hub } from './hub.ts';
import { Membership } from './membership.ts';
import { GUEST, isServer, type Principal } from './principal.ts';
import type { UWS } from './uws.ts';
import { Writer } from './writer.ts';
import { UserDevices } from './user-devices.ts';
import { LeanDelivery } from './lean-delivery.ts';
import { LinkMonitor } from './link-monitor.ts';
import { leanView } from './lean-view.ts';
import { heartbeatMsOf, hintedClass, isCarrier, windowMsOf, type Carrier } from '../network/profiles.ts';
import { parseDivision } from '../time/divisions.ts';
import type { ChannelPublisher } from './channel-publisher.ts';
import { ActorPublisher } from './publish.ts';
import { KeyedAsks } from './keyed-asks.ts';
import { markAlive } from '../threads/liveness.ts';

// A frame's text straight from uWS's ArrayBuffer: about 2.5x cheaper than
// Buffer.from(message).toString('utf8') (no Buffer object per frame). The BOM
// is kept, as Buffer's decoding keeps it: JSON.parse refuses it either way.
const FRAME_TEXT = new TextDecoder('utf-8', { ignoreBOM: true });

export interface GatewayDeps {
  uws: UWS;
  app: TemplatedApp;
  config: GatewayConfig;
  /** Lean mode, carriers and the measured link (PROTOCOL.md §6). */
  network: NetworkConfig;
  /** Spam rules for chat messages (frames and REST). */
  spam: SpamConfig;
  /** Upgrade rate, reconnect storms and pending upgrades. */
  abuse: AbuseConfig;
  nodeId: string;
  allowGuests: boolean;
  askTimeoutMs: number;
  /** How long a bid or reserve with a client key may take at its actor while its retries wait for it (keyed-asks.ts). */
  keyedAskFlightMs: number;
  actors: ActorSystem;
  fanout: Fanout;
  verifier: TokenVerifier;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  reconnectAfterMs: { min: number; max: number };
  /** Connection limits; counted in this process unless a cluster-wide one is given. */
  admission?: Admission;
  /** The security log (§10); in memory unless a cluster-wide one is given. */
  securityLog?: SecurityLog;
  /** Per-user rate buckets; in this process unless cluster-wide ones are given. */
  userRates?: UserRates;
  /**
   * Node interest (first/last local subscriber); kept by the channel actors
   * unless given (the redis engine's channel bus). `joinInFlight` tells
   * whether a join of the channel is capturing its events on this node.
   */
  interest?: (joinInFlight: (channel: string) => boolean) => NodeInterest;
  /** Lines joins up with live events; see join-sync.ts. */
  joinSync?: JoinSync;
  /** This node's roster (clustered): a user's first connection here joins it, the last leaves it. */
  roster?: { joined(user: string): void; left(user: string): void };
  /** Notifications reached a device: the delivered counts of their realtime_events records go up. */
  deliveredEvents?: (eventIds: readonly string[]) => void;
  /** Error messages and close reasons per language (locales/{en,bn}/realtime-messages.json); the shipped ones unless given. */
  messages?: RealtimeMessages;
  /** Translates chat messages (send_message on chat:) before the room actor is asked. */
  chatLanguages?: ChatLanguages;
  /** How events are published (channel-publisher.ts); through the channel actors unless given. */
  publisher?: ChannelPublisher;
}

/** Who a security event is about, when it is not an open connection. */
export interface Who {
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
}

/** Events kept by the in-memory security log. */
const SECURITY_LOG_CAPACITY = 10_000;

const NETS = new Set(['2g', '3g', '4g', 'wifi']);
const DEVICES = new Set(['android', 'ios', 'web']);

export class Gateway {
  private readonly hub: Hub;
  private readonly writer: Writer;
  private readonly interest: NodeInterest;
  /** Lean connections' deliveries (they are on no uWS topic). */
  readonly lean: LeanDelivery;
  private readonly linkMonitor: LinkMonitor;
  private readonly admission: Admission;
  readonly securityLog: SecurityLog;
  private readonly flood: FloodGuard;
  /** Spam rules of chat messages, sent by frame or by REST on this node. */
  readonly spam: SpamGuard;
  private readonly upgrades: UpgradeGuard;
  /** When a pending_upgrades refusal was last reported (at most one event a second). */
  private pendingReportedAt = Number.NEGATIVE_INFINITY;
  private readonly handlers: DispatchTable;
  private readonly keyedAsks: KeyedAsks;
  /** Presence and notification delivery: the user actors learn of this node's devices. */
  readonly userDevices: UserDevices;
  /** Per-user rate buckets (in this process, or leased from the cluster's). */
  readonly userRates: UserRates;
  /** Publishes events for frames, REST and the admin feed. */
  readonly publisher: ChannelPublisher;
  private draining = false;
  private onDrained: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  framesIn = 0;
  /** Bytes of the frames received, and connections closed (all, and those that dropped without a close frame, 1006): for the admin page. */
  bytesIn = 0;
  closedTotal = 0;
  droppedTotal = 0;
  private readonly framesInByType = new Map<string, { n: number }>();
  private readonly log: Logger;
  /** The address a peer is counted under (behind a listed balancer, the client X-Forwarded-For names). */
  readonly clientIps: ClientIps;
  private readonly messages: RealtimeMessages;
  /** The `closing` frame's text per language, made once. */
  private readonly closingText: Readonly<Record<Lang, string>>;

  constructor(private readonly d: GatewayDeps) {
    this.log = d.logger.child({ mod: 'gateway' });
    this.clientIps = new ClientIps(d.config.trustedProxies ?? []);
    this.messages = d.messages ?? realtimeMessages();
    this.closingText = { en: this.messages.text('en', 'closing.draining', {}), bn: this.messages.text('bn', 'closing.draining', {}) };
    const joinInFlight = (ch: string): boolean => d.fanout.isCapturing(ch);
    this.interest = d.interest ? d.interest(joinInFlight) : new ActorInterest(d.actors, d.nodeId, joinInFlight, this.log);
    this.writer = new Writer(d.metrics, d.config.maxBackpressureBytes, this.log, this.messages);
    this.lean = new LeanDelivery({ config: d.network, writer: this.writer, metrics: d.metrics, logger: this.log });
    d.fanout.lean = this.lean;
    const interest = this.interest;
    // The last local subscriber gone: the node unwatches, and the fan-out forgets the channel's byte count.
    this.hub = new Hub({ watch: (ch) => interest.watch(ch), unwatch: (ch) => (d.fanout.forget(ch), interest.unwatch(ch)) }, this.lean);
    this.linkMonitor = new LinkMonitor({
      config: d.network,
      lean: this.lean,
      writer: this.writer,
      fanout: d.fanout,
      metrics: d.metrics,
      clock: d.clock,
      logger: this.log,
      sockets: () => this.hub.sockets,
      closeSilent: (ws) => {
        // Two heartbeats unanswered: the peer is gone (a dead phone, a dropped NAT mapping); no close frame would reach it.
        this.d.metrics.closes.labels('1006').inc();
        ws.close();
      },
    });
    this.admission = d.admission ?? new LocalAdmission(d.config, (user) => this.hub.countOf(user));
    this.userRates = d.userRates ?? new UserRateLimits();
    this.publisher = d.publisher ?? new ActorPublisher(d.actors, d.askTimeoutMs);
    this.securityLog = d.securityLog ?? new MemorySecurityLog({ capacity: SECURITY_LOG_CAPACITY, node: d.nodeId, clock: d.clock });
    this.flood = new FloodGuard(d.config);
    this.spam = new SpamGuard(d.spam);
    this.upgrades = new UpgradeGuard(d.abuse);
    const membership = new Membership({
      actors: d.actors,
      fanout: d.fanout,
      hub: this.hub,
      writer: this.writer,
      verifier: d.verifier,
      nodeId: d.nodeId,
      maxChannels: d.config.maxChannels,
      askTimeoutMs: d.askTimeoutMs,
      ...(d.joinSync ? { joinSync: d.joinSync } : {}),
      log: this.log,
    });
    this.userDevices = new UserDevices({
      actors: d.actors,
      writer: this.writer,
      nodeId: d.nodeId,
      askTimeoutMs: d.askTimeoutMs,
      logger: this.log,
      session: (id) => this.hub.session(id),
      delivered: (ids) => d.deliveredEvents?.(ids),
    });
    this.keyedAsks = new KeyedAsks((address, msg, timeoutMs, done) => d.actors.request(address, msg, timeoutMs, done), d.askTimeoutMs, d.keyedAskFlightMs);
    this.handlers = frameHandlers({ actors: d.actors, publisher: this.publisher, membership, writer: this.writer, clock: d.clock, askTimeoutMs: d.askTimeoutMs, keyedAsks: this.keyedAsks, error: (ws, ref, err) => this.error(ws, ref, err), spam: (s, roomId, chat) => this.checkSpam({ user_id: s.principal.userId!, session_id: s.sessionId, ip: s.ip }, roomId, chat), chatLanguages: d.chatLanguages, analytics: d.metrics.analytics });
  }

  /** Every open connection, in the order they opened. */
  get sockets(): ReadonlySet<Socket> {
    return this.hub.sockets;
  }

  /** Local subscribers per channel. */
  get channelSubscribers(): ReadonlyMap<string, number> {
    return this.hub.subscribers;
  }

  /** Upgrades whose authentication and admission are in flight. */
  get pendingUpgrades(): number {
    return this.upgrades.pending;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  mount(): void {
    const { uws, app, config } = this.d;
    const writer = this.writer;
    app.ws<SocketData>('/ws', {
      // Negotiated only where the upgrade passes the client's offer on: lean
      // connections by hint (§6). A window per socket (not the shared
      // compressor) lets repeated event frames compress to a few bytes.
      compression: this.d.network.deflate ? uws.DEDICATED_COMPRESSOR_4KB | uws.SHARED_DECOMPRESSOR : uws.DISABLED,
      // Between 1x and 4x the frame limit a frame gets too_large; over 4x the
      // connection closes with 1009 (§2). uWS itself drops a socket without a
      // close frame past maxPayloadLength, so that is set higher, at 8x.
      maxPayloadLength: config.maxFrameBytes * 8,
      // Hard bound on a socket's send buffer (uWS skips a socket past it). The
      // sweeper closes a socket over the soft limit with 4009; the close frame
      // itself only fits while the buffer is under this bound, hence the margin.
      maxBackpressure: config.maxBackpressureBytes * 4,
      closeOnBackpressureLimit: 0,
      // The heartbeat is the link monitor's (PROTOCOL.md §1: a ping every
      // heartbeat_ms of silence, the peer closed after two missed pongs), at
      // each connection's own heartbeat (a carrier's may be shorter). uWS's
      // own pings come at a time of its choosing (about 34 s into a 50 s
      // idleTimeout) and its close after one missed pong; its idle timeout
      // stays only as a backstop past ours.
      idleTimeout: idleBackstopS(config.heartbeatMs, this.d.network.autoSwitch.sampleMs),
      sendPingsAutomatically: false,
      upgrade: (res, req, context) => this.upgrade(res, req, context),
      // uWS corks around its handlers: writes inside go straight out.
      open: (ws) => {
        writer.enter();
        try {
          this.open(ws);
        } finally {
          writer.leave();
        }
      },
      message: (ws, message, isBinary) => {
        writer.enter();
        try {
          this.message(ws, message, isBinary);
        } finally {
          writer.leave();
        }
      },
      close: (ws, code) => this.close(ws, code),
      pong: (ws, message) => this.linkMonitor.onPong(ws, message),
      // A client's own ping (browsers' and other stacks') is a sign of life too.
      ping: (ws) => this.linkMonitor.heard(ws),
      drain: (ws) => {
        if (stateOf(ws).lean) this.lean.drained(ws);
      },
    });
    this.linkMonitor.start();
    this.sweeper = setInterval(() => {
      this.sweepSlowConsumers();
      this.upgrades.sweepIfDue(this.d.clock.now());
    }, config.slowConsumerCheckMs);
    this.sweeper.unref();
  }

  private upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    // Everything needed from req must be read now: it is invalid after an await.
    const query = new URLSearchParams(req.getQuery() ?? '');
    // An empty `?token=` is no token: the Authorization header (if any) decides.
    const token = query.get('token') || bearer(req.getHeader('authorization'));
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const ip = this.clientIps.of(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for'));
    // A refusal is said in the language asked for (the token, if any, is not trusted yet).
    const refusalLang: Lang = query.get('lang') === 'bn' ? 'bn' : 'en';
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const refuse = (status: string, err: HaatError, reason: string): void => {
      this.d.metrics.upgradesRefused.labels(reason).inc();
      if (aborted) return;
      res.cork(() => {
        res.writeStatus(status).writeHeader('content-type', 'application/json');
        if (err.retryAfterMs !== undefined) res.writeHeader('retry-after', String(Math.ceil(err.retryAfterMs / 1000)));
        res.end(JSON.stringify(this.messages.errorBody(err, refusalLang)));
      });
    };
    if (this.draining) return refuse('503 Service Unavailable', textError('unavailable', 'error.unavailable.draining', {}), 'draining');
    const anonymous = { user_id: null, session_id: null, ip };
    const byIp = this.upgrades.checkIp(ip, this.d.clock.now());
    if (!byIp.ok) return refuse('429 Too Many Requests', this.upgradeRefused(byIp, anonymous), byIp.kind);
    if (!this.upgrades.begin()) {
      const now = this.d.clock.now();
      if (now - this.pendingReportedAt >= 1000) {
        this.pendingReportedAt = now;
        this.security('pending_upgrades', anonymous, `${this.upgrades.pending} upgrades in flight (limit ${this.d.abuse.maxPendingUpgrades}); refused with 503`);
      }
      return refuse('503 Service Unavailable', textError('unavailable', 'error.unavailable.pending_upgrades', {}, { retryAfterMs: 1000 }), 'pending_upgrades');
    }

    const authenticate = async (): Promise<Principal> => {
      if (token) return this.d.verifier.principal(token);
      if (!this.d.allowGuests) throw textError('unauthorized', 'error.unauthorized.token_required', {});
      return GUEST;
    };
    // Admission may count across the cluster (asynchronous): it runs here, and
    // `open` closes a connection over a limit with 4029 before `authenticated`.
    authenticate()
      .then(async (principal) => {
        if (principal.userId !== null) {
          const byUser = this.upgrades.checkUser(principal.userId, this.d.clock.now());
          if (!byUser.ok) throw this.upgradeRefused(byUser, { user_id: principal.userId, session_id: null, ip });
        }
        return { principal, admission: await this.admission.admit(principal.userId, ip) };
      })
      .then(
        ({ principal, admission }) => {
          this.upgrades.end();
          if (aborted) {
            if (admission === 'admitted') this.admission.release(principal.userId, ip, false);
            return;
          }
          const lang: Lang = query.get('lang') === 'bn' ? 'bn' : query.get('lang') === 'en' ? 'en' : (principal.lang ?? 'en');
          const netRaw = query.get('net');
          const net: NetHint = netRaw && NETS.has(netRaw) ? (netRaw as NetHint) : undefined;
          const carrierRaw = query.get('carrier');
          const carrier: Carrier | undefined = isCarrier(carrierRaw) ? carrierRaw : undefined;
          const leanClass = hintedClass(net);
          // permessage-deflate only for connections lean by hint: declined (no extensions passed on) for the rest.
          const deflate = leanClass !== undefined && this.d.network.deflate && /permessage-deflate/i.test(extensions);
          const deviceRaw = query.get('device');
          const device: DeviceHint = deviceRaw && DEVICES.has(deviceRaw) ? (deviceRaw as DeviceHint) : undefined;
          const division = parseDivision(query.get('division')) ?? principal.division;
          const server = isServer(principal);
          const mps = server ? this.d.config.serverMessagesPerSecond : this.d.config.messagesPerSecond;
          const now = this.d.clock.now();
          const state: ConnState = {
            sessionId: `s_${nanoid(10)}`,
            principal,
            lang,
            net,
            carrier,
            heartbeatMs: heartbeatMsOf(carrier, this.d.network, this.d.config.heartbeatMs),
            heardAt: now,
            pingsUnanswered: 0,
            lean: leanClass === undefined ? undefined : LeanDelivery.state(leanClass, windowMsOf(leanClass, carrier, this.d.network), 'hint'),
            deflate,
            link: undefined,
            bytesDirect: 0,
            device,
            division,
            ip,
            channels: NO_SUBSCRIPTIONS,
            joins: undefined,
            reserved: undefined,
            bucket: new TokenBucket(mps, mps * 2, now),
            userBucket: undefined,
            rateClass: server ? 'server' : 'client',
            rateLimitedReportedAt: Number.NEGATIVE_INFINITY,
            messagesPerSecond: mps,
            floodWindowStart: now,
            floodCount: 0,
            connectedAt: now,
            // Analytics (metrics/analytics.ts): the shared cells of its division, carrier and net.
            acct: this.d.metrics.analytics.rowOf(division, carrier, net),
            shop: 0,
            topicAt: 0,
            chAt: -1,
            admission,
            admitted: admission === 'admitted',
            closed: false,
          };
          // Not inside res.cork: with the pinned uWS (20.30), an upgrade made in
          // a cork after an await can have the new socket closed at once when the
          // cork ends (uWebSockets issue #1928, fixed upstream by PR #1929): the
          // client got `authenticated`, then both sides saw 1006. uWS prints a
          // warning about an uncorked write instead, to stderr, at every upgrade
          // that comes after an await (a token not yet in the cache).
          res.upgrade({ state }, key, protocol, deflate ? extensions : '', context);
        },
        (err: unknown) => {
          this.upgrades.end();
          const e = forClient(err);
          // rate_limited: a reconnect storm of this user (reported when it began).
          if (e.code === 'rate_limited') return refuse('429 Too Many Requests', e, 'reconnect_storm');
          // unavailable: cluster-wide admission cannot count while the engine is unreachable (try another node, or later).
          if (e.code === 'unavailable') this.log.warn({ err: e.message }, 'upgrade refused: unavailable');
          else if (e.code !== 'unauthorized') this.log.error({ err, id: e.id }, 'upgrade failed');
          else if (token) this.security('bad_token', { user_id: null, session_id: null, ip }, e.message);
          refuse(e.code === 'unauthorized' ? '401 Unauthorized' : e.code === 'unavailable' ? '503 Service Unavailable' : '500 Internal Server Error', e, e.code);
        },
      );
  }

  private open(ws: Socket): void {
    const s = stateOf(ws);
    this.d.metrics.connections.inc();
    this.d.metrics.connectionsOpened.inc();
    if (s.admission !== 'admitted') {
      const key = s.admission === 'user_limit' ? 'close.too_many_connections.user' : 'close.too_many_connections.ip';
      this.security('connection_limit', s, this.messages.text('en', key, {}));
      return this.writer.close(ws, 'too_many_connections', this.messages.text(s.lang, key, {}));
    }
    this.hub.add(ws);
    const user = s.principal.userId;
    this.admission.opened(user, s.ip);
    if (s.lean) this.lean.opened(s.lean);
    if (user !== null) this.acquireUserBuckets(user, s);
    const c = this.d.config;
    this.writer.send(ws, {
      type: 'authenticated',
      user_id: user,
      session_id: s.sessionId,
      node: this.d.nodeId,
      heartbeat_ms: s.heartbeatMs,
      lang: s.lang,
      // Extension (PROTOCOL.md §6): whether this connection is in lean mode, so a client knows values may be conflated.
      lean: leanView(s.lean),
      server_time: toDhakaIso(this.d.clock.now()),
      limits: { max_frame_bytes: c.maxFrameBytes, messages_per_second: s.messagesPerSecond, max_channels: c.maxChannels },
    });
    if (user !== null && this.hub.countOf(user) === 1) this.d.roster?.joined(user);
    // After `authenticated`: queued notifications follow it.
    this.userDevices.opened(ws, s);
  }

  /** Per user across its connections of the same rate class (its role's limits); see UserRates.fromSecondConnection. */
  private acquireUserBuckets(user: string, s: ConnState): void {
    const now = this.d.clock.now();
    if (!this.userRates.fromSecondConnection) {
      s.userBucket = this.userRates.acquire(user, s.rateClass, s.messagesPerSecond, now);
      return;
    }
    if (this.hub.countOf(user) < 2) return;
    for (const ws of this.hub.ofUser(user)) {
      const o = stateOf(ws);
      if (o.userBucket === undefined && o.rateClass === s.rateClass) o.userBucket = this.userRates.acquire(user, o.rateClass, o.messagesPerSecond, now);
    }
  }

  private close(ws: Socket, code: number): void {
    const s = stateOf(ws);
    s.closed = true;
    this.closedTotal++;
    if (code === 1006) this.droppedTotal++;
    this.d.metrics.analytics.closing(s);
    this.hub.remove(ws);
    this.d.metrics.connections.dec();
    if (this.hub.sockets.size === 0) this.onDrained?.();
    if (!s.admitted) return;
    const user = s.principal.userId;
    this.admission.release(user, s.ip, true);
    if (user !== null && s.userBucket !== undefined) this.userRates.release(user, s.rateClass);
    this.userDevices.closed(s);
    if (user !== null && this.hub.countOf(user) === 0) this.d.roster?.left(user);
    this.log.debug({ session: s.sessionId, code }, 'closed');
  }

  private message(ws: Socket, message: ArrayBuffer, isBinary: boolean): void {
    const s = stateOf(ws);
    this.framesIn++;
    markAlive();
    this.bytesIn += message.byteLength;
    const now = this.d.clock.now();
    s.heardAt = now;
    s.pingsUnanswered = 0;
    if (this.flood.count(s, now)) return this.flooding(ws, s);
    if (message.byteLength > this.d.config.maxFrameBytes * 4) return this.writer.close(ws, 'too_large');
    if (message.byteLength > this.d.config.maxFrameBytes) {
      // The ref of an oversize frame cannot be trusted, so it is not echoed.
      return this.error(ws, undefined, textError('too_large', 'error.too_large.frame', { size: message.byteLength, limit: this.d.config.maxFrameBytes }));
    }
    if (isBinary) return this.error(ws, undefined, textError('bad_request', 'error.bad_request.binary', {}));
    const parsed = parseFrame(FRAME_TEXT.decode(message));
    if (!parsed.ok) {
      this.countFrameIn('invalid');
      return this.error(ws, parsed.ref, parsed.error);
    }
    const frame = parsed.frame;
    this.countFrameIn(frame.type);
    const wait = Math.max(s.bucket.take(now), s.userBucket?.take(now) ?? 0);
    if (wait > 0) return this.rateLimited(ws, s, frame.ref, wait, now);
    dispatch(this.handlers, ws, s, frame);
  }

  /** Tallied per type; prom-client gets the counts when scraped. */
  private countFrameIn(type: string): void {
    let c = this.framesInByType.get(type);
    if (!c) this.framesInByType.set(type, (c = this.d.metrics.framesInTally(type)));
    c.n++;
  }

  /** §2: a client that keeps flooding is closed with 4008 and goes to the security log. */
  private flooding(ws: Socket, s: ConnState): void {
    this.security('flooding', s, `${s.floodCount} frames within ${this.flood.windowMs} ms (limit ${s.messagesPerSecond}/s); closed with 4008`);
    this.writer.close(ws, 'policy_violation', this.messages.text(s.lang, 'close.policy_violation.flooding', {}));
  }

  /** Over the rate: answered `rate_limited`; the first refusal of a burst (per flood window) goes to the security log. */
  private rateLimited(ws: Socket, s: ConnState, ref: FrameRef | undefined, wait: number, now: number): void {
    if (now - s.rateLimitedReportedAt >= this.flood.windowMs) {
      s.rateLimitedReportedAt = now;
      this.security('rate_limited', s, `over ${s.messagesPerSecond} messages/s (per connection) or the user's limit; retry after ${wait} ms`);
    }
    this.error(ws, ref, textError('rate_limited', 'error.rate_limited.frame', { seconds: Math.ceil(wait / 1000) }, { retryAfterMs: wait }));
  }

  /** An upgrade refused for a reconnect storm or the upgrade rate: 429 with retry_after_ms; the first refusal of a streak goes to the security log. */
  private upgradeRefused(v: UpgradeRefusal, who: Who): HaatError {
    if (v.first) this.security(v.kind, who, v.detail);
    return textError('rate_limited', 'error.rate_limited.upgrade', { seconds: Math.ceil(v.retryAfterMs / 1000) }, { retryAfterMs: v.retryAfterMs });
  }

  /**
   * The spam rules for a chat message of `who` in room `roomId` (a frame or
   * REST): throws `spam` when it is; a repeat offender's connections on this
   * node are then closed with 4008 (after the refusal has been answered).
   */
  checkSpam(who: Who & { user_id: string }, roomId: string, chat: OutgoingChat): void {
    const v = this.spam.check(who.user_id, roomId, chat.message, this.d.clock.now(), chat.client_msg_id);
    if (!v.spam) return;
    this.d.metrics.spamRefused.labels(v.rule).inc();
    this.security('spam', who, `chat:${roomId}: ${v.rule}: ${v.detail}`);
    if (v.offender) queueMicrotask(() => this.closeOffender(who));
    throw textError('spam', 'error.spam.message', { rule: v.rule });
  }

  /** A repeat spammer: every connection of the user here is closed with 4008 (kind `abuse`). */
  private closeOffender(who: Who & { user_id: string }): void {
    let n = 0;
    for (const ws of this.hub.ofUser(who.user_id)) {
      const s = stateOf(ws);
      if (s.closed) continue;
      this.writer.close(ws, 'policy_violation', this.messages.text(s.lang, 'close.policy_violation.spam', {}));
      n++;
    }
    this.security('abuse', who, `${this.d.spam.offenderRefusals} spam refusals within ${this.d.spam.offenderWindowMs} ms; ${n} connection(s) on this node closed with 4008`);
  }

  /** A security event of another part of the node (REST bodies): see security(). */
  securityEvent(kind: SecurityEventKind, who: Who, detail: string): void {
    this.security(kind, who, detail);
  }

  /** A security event: to the security log (§10) and, as before, a `security:true` warning in the process log. */
  private security(kind: SecurityEventKind, who: ConnState | Who, detail: string): void {
    const ev = 'sessionId' in who ? { kind, user_id: who.principal.userId, session_id: who.sessionId, ip: who.ip, detail } : { kind, ...who, detail };
    this.log.warn({ security: true, event: kind, session: ev.session_id, user: ev.user_id, ip: ev.ip, detail }, 'security event');
    this.securityLog.record(ev);
  }

  /** A replaced host thread lost its channels' watchers (and history): watch again what has subscribers here. */
  rewatch(hostIndex: number): void {
    // Only interest kept by channel actors lives in host threads; a bus subscription is the node's own.
    if (this.interest instanceof ActorInterest) this.interest.rewatch(hostIndex, this.hub.channels());
  }

  private error(ws: Socket, ref: FrameRef | undefined, err: unknown): void {
    // An internal error's details go to the log only, under the id the client gets (§9).
    const e = forClient(err);
    if (e.code === 'internal') this.log.error({ err, id: e.id }, 'internal error answering a frame');
    this.d.metrics.errors.labels(e.code).inc();
    // English answers are the error's own body; other languages look their text up (messages.errorBody).
    this.writer.send(ws, withRef({ type: 'error', ...this.messages.errorBody(e, stateOf(ws).lang) }, ref));
  }

  /** Closes every socket whose send buffer is over the limit; runs every slowConsumerCheckMs. */
  sweepSlowConsumers(): void {
    this.writer.sweepSlowConsumers(this.hub.sockets);
  }

  /**
   * GET admin/connections: one page of the open connections, in the order they
   * opened; `from` and `next` are positions in that order (0: the first).
   */
  listConnections(from: number, limit: number): { items: object[]; next: number | null } {
    const page = this.hub.socketsFrom(from, limit);
    const items = page.items.map((ws) => {
      const s = stateOf(ws);
      return { session_id: s.sessionId, user_id: s.principal.userId, roles: [...s.principal.roles], ip: s.ip, lang: s.lang, net: s.net ?? null, carrier: s.carrier ?? null, lean: leanView(s.lean), rtt_ms: s.link?.rttMs ?? null, channels: s.channels.size, connected_at: toDhakaIso(s.connectedAt) };
    });
    return { items, next: page.next };
  }

  /** GET admin/channels: one page of the channels with local subscribers; `from` and `next` are positions (0: the first). */
  listChannels(from: number, limit: number): { items: { channel: string; subscribers: number }[]; next: number | null } {
    const page = this.hub.channelsFrom(from, limit);
    return { items: page.items.map(([channel, subscribers]) => ({ channel, subscribers })), next: page.next };
  }

  /** Signed-in users connected to this node, sorted, after `after` (exclusive). */
  usersAfter(after: string | null, limit: number): string[] {
    return this.hub.usersAfter(after, limit);
  }

  /** POST admin/disconnect: closes a user's connections or one session with 4003. */
  disconnect(target: { user_id?: string | undefined; session_id?: string | undefined }, reason: string, by?: string): number {
    const matches: Socket[] = [];
    if (target.session_id !== undefined) {
      const ws = this.hub.session(target.session_id);
      if (ws) matches.push(ws);
    }
    if (target.user_id !== undefined) matches.push(...this.hub.ofUser(target.user_id));
    let n = 0;
    for (const ws of matches) {
      const s = stateOf(ws);
      if (s.closed) continue;
      this.security('admin_disconnect', s, by === undefined ? reason : `${reason} (by ${by})`);
      this.writer.close(ws, 'forbidden', reason);
      n++;
    }
    return n;
  }

  /** SIGTERM (DESIGN.md §5): tell every client to reconnect elsewhere, with jitter, and close 1001. */
  drain(): number {
    this.draining = true;
    const { min, max } = this.d.reconnectAfterMs;
    let n = 0;
    for (const ws of [...this.hub.sockets]) {
      const s = stateOf(ws);
      if (s.closed) continue;
      const after = Math.round(min + Math.random() * (max - min));
      this.writer.send(ws, { type: 'closing', code: 'draining', message: this.closingText[s.lang], reconnect_after_ms: after });
      this.writer.close(ws, 'draining');
      n++;
    }
    return n;
  }

  /** Resolves once the last connection has closed. */
  drained(): Promise<void> {
    if (this.hub.sockets.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.onDrained = resolve));
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.linkMonitor.stop();
    this.keyedAsks.stop();
  }
}

/**
 * uWS's idle timeout, a backstop past the heartbeat's close (three heartbeats
 * of silence, seen at the next sample): in seconds, a multiple of 4 (uWS's
 * granularity), at most 960.
 */
export function idleBackstopS(heartbeatMs: number, sampleMs: number): number {
  return Math.min(960, Math.ceil((3 * heartbeatMs + 2 * sampleMs) / 4000) * 4 + 4);
}
