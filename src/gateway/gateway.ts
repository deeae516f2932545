// The WebSocket side of a node (PROTOCOL.md §1–§4, §9): upgrade with JWT
// auth, the `authenticated` frame, frame validation, rate limits, channel
// ACL, joins with recovery, publishing through channel actors, heartbeats,
// slow consumers and drain.
import type { TemplatedApp, HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { nanoid } from 'nanoid';
import type { ActorSystem } from '../actors/system.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { HaatError, toHaatError, type ErrorCode } from '../errors.ts';
import type { Metrics } from '../metrics/registry.ts';
import { toDhakaIso, type Clock } from '../time/clock.ts';
import { parseChannel, mayBroadcast, mayJoin, maySendMessage } from './acl.ts';
import { bearer, type TokenVerifier } from './auth.ts';
import type { ConnState, Lang, NetHint, Socket } from './connection.ts';
import type { Fanout } from './fanout.ts';
import { parseFrame, type ClientFrame, type FrameRef } from './frames.ts';
import { askJoins } from './joins.ts';
import { channelAddress } from '../domain/channel/messages.ts';
import { GUEST, isServer, type Principal } from './principal.ts';
import { TokenBucket } from './rate-limit.ts';
import { requestPublish, type PublishRequest } from './publish.ts';
import type { UWS } from './uws.ts';
import { assertNever } from '../actors/wire.ts';
import { sanitizeText } from './sanitize.ts';

export interface GatewayDeps {
  uws: UWS;
  app: TemplatedApp;
  config: GatewayConfig;
  nodeId: string;
  allowGuests: boolean;
  askTimeoutMs: number;
  actors: ActorSystem;
  fanout: Fanout;
  verifier: TokenVerifier;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  reconnectAfterMs: { min: number; max: number };
}

const LOOPBACK = /^(127\.|::1$|0000:0000:0000:0000:0000:0000:0000:0001$|::ffff:127\.|0000:0000:0000:0000:0000:ffff:7f)/;
const NETS = new Set(['2g', '3g', '4g', 'wifi']);

export class Gateway {
  readonly sockets = new Set<Socket>();
  private readonly perUser = new Map<string, number>();
  private readonly perIp = new Map<string, number>();
  private readonly userBuckets = new Map<string, { bucket: TokenBucket; refs: number }>();
  /** Local subscriber count per channel, for stats. */
  readonly channelSubscribers = new Map<string, number>();
  private draining = false;
  private onDrained: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  framesIn = 0;
  framesOut = 0;
  private corked = 0;
  private readonly framesInByType = new Map<string, { inc(): void }>();
  private outbox = new Map<Socket, string[]>();
  private flushScheduled = false;
  private readonly log: Logger;

  constructor(private readonly d: GatewayDeps) {
    this.log = d.logger.child({ mod: 'gateway' });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  mount(): void {
    const { uws, app, config } = this.d;
    app.ws<ConnState>('/ws', {
      compression: uws.DISABLED,
      // Between 1x and 4x the frame limit a frame gets too_large; over 4x the
      // connection closes with 1009 (§2). uWS itself drops a socket without a
      // close frame past maxPayloadLength, so that is set higher, at 8x.
      maxPayloadLength: config.maxFrameBytes * 8,
      // Hard bound on a socket's send buffer (uWS skips a socket past it). The
      // sweeper closes a socket over the soft limit with 4009; the close frame
      // itself only fits while the buffer is under this bound, hence the margin.
      maxBackpressure: config.maxBackpressureBytes * 4,
      closeOnBackpressureLimit: 0,
      // uWS pings a socket silent for idleTimeout/2 and closes it at idleTimeout
      // (measured here): a ping every heartbeat_ms, closed after a heartbeat with no answer.
      idleTimeout: Math.max(8, Math.round((config.heartbeatMs * 2) / 1000)),
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.upgrade(res, req, context),
      open: (ws) => this.corkedScope(() => this.open(ws)),
      message: (ws, message, isBinary) => this.corkedScope(() => this.message(ws, message, isBinary)),
      close: (ws, code) => this.close(ws, code),
    });
    this.sweeper = setInterval(() => this.sweepSlowConsumers(), config.slowConsumerCheckMs);
    this.sweeper.unref();
  }

  private upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    // Everything needed from req must be read now: it is invalid after an await.
    const query = new URLSearchParams(req.getQuery() ?? '');
    const token = query.get('token') ?? bearer(req.getHeader('authorization'));
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const refuse = (status: string, err: HaatError, reason: string): void => {
      this.d.metrics.upgradesRefused.labels(reason).inc();
      if (aborted) return;
      res.cork(() => res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify(err.toBody())));
    };
    if (this.draining) return refuse('503 Service Unavailable', new HaatError('unavailable', 'node is draining; reconnect to another'), 'draining');

    const authenticate = async (): Promise<Principal> => {
      if (token) return this.d.verifier.principal(token);
      if (!this.d.allowGuests) throw new HaatError('unauthorized', 'a token is required');
      return GUEST;
    };
    authenticate().then(
      (principal) => {
        if (aborted) return;
        const lang: Lang = query.get('lang') === 'bn' ? 'bn' : query.get('lang') === 'en' ? 'en' : (principal.lang ?? 'en');
        const netRaw = query.get('net');
        const net: NetHint = netRaw && NETS.has(netRaw) ? (netRaw as NetHint) : undefined;
        const server = isServer(principal);
        const mps = server ? this.d.config.serverMessagesPerSecond : this.d.config.messagesPerSecond;
        const now = this.d.clock.now();
        const state: ConnState = {
          sessionId: `s_${nanoid(10)}`,
          principal,
          lang,
          net,
          ip,
          channels: new Set(),
          joining: undefined,
          bucket: new TokenBucket(mps, mps * 2, now),
          userBucket: undefined,
          messagesPerSecond: mps,
          floodWindowStart: now,
          floodCount: 0,
          connectedAt: now,
          admitted: false,
          closed: false,
        };
        res.cork(() => res.upgrade(state, key, protocol, extensions, context));
      },
      (err: unknown) => {
        const e = toHaatError(err);
        if (e.code !== 'unauthorized') this.log.error({ err }, 'upgrade failed');
        refuse(e.code === 'unauthorized' ? '401 Unauthorized' : '500 Internal Server Error', e, e.code);
      },
    );
  }

  private open(ws: Socket): void {
    const s = ws.getUserData();
    this.sockets.add(ws);
    this.d.metrics.connections.inc();
    this.d.metrics.connectionsOpened.inc();
    const user = s.principal.userId;
    if (user !== null && (this.perUser.get(user) ?? 0) >= this.d.config.maxConnectionsPerUser) {
      return this.closeWith(ws, 4029, 'too many connections for this user');
    }
    const countsIp = !LOOPBACK.test(s.ip);
    if (countsIp && (this.perIp.get(s.ip) ?? 0) >= this.d.config.maxConnectionsPerIp) {
      return this.closeWith(ws, 4029, 'too many connections from this address');
    }
    // Counted only once admitted, so close() undoes exactly what was done here.
    s.admitted = true;
    if (countsIp) this.perIp.set(s.ip, (this.perIp.get(s.ip) ?? 0) + 1);
    if (user !== null) {
      this.perUser.set(user, (this.perUser.get(user) ?? 0) + 1);
      const ub = this.userBuckets.get(user);
      // Per user across its connections: twice one connection's rate.
      if (ub) ub.refs++;
      else this.userBuckets.set(user, { bucket: new TokenBucket(s.messagesPerSecond * 2, s.messagesPerSecond * 4, this.d.clock.now()), refs: 1 });
      s.userBucket = this.userBuckets.get(user)!.bucket;
    }
    const c = this.d.config;
    this.send(ws, {
      type: 'authenticated',
      user_id: user,
      session_id: s.sessionId,
      node: this.d.nodeId,
      heartbeat_ms: c.heartbeatMs,
      lang: s.lang,
      server_time: toDhakaIso(this.d.clock.now()),
      limits: { max_frame_bytes: c.maxFrameBytes, messages_per_second: s.messagesPerSecond, max_channels: c.maxChannels },
    });
  }

  private close(ws: Socket, code: number): void {
    const s = ws.getUserData();
    s.closed = true;
    this.sockets.delete(ws);
    this.d.metrics.connections.dec();
    for (const ch of s.channels) this.countSubscriber(ch, -1);
    if (this.sockets.size === 0) this.onDrained?.();
    if (!s.admitted) return;
    const user = s.principal.userId;
    if (user !== null) {
      const n = (this.perUser.get(user) ?? 1) - 1;
      if (n <= 0) this.perUser.delete(user);
      else this.perUser.set(user, n);
      const ub = this.userBuckets.get(user);
      if (ub && --ub.refs <= 0) this.userBuckets.delete(user);
    }
    if (!LOOPBACK.test(s.ip)) {
      const n = (this.perIp.get(s.ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(s.ip);
      else this.perIp.set(s.ip, n);
    }
    this.log.debug({ session: s.sessionId, code }, 'closed');
  }

  private message(ws: Socket, message: ArrayBuffer, isBinary: boolean): void {
    const s = ws.getUserData();
    this.framesIn++;
    const now = this.d.clock.now();
    if (this.flooding(ws, s, now)) return;
    if (message.byteLength > this.d.config.maxFrameBytes * 4) return this.closeWith(ws, 1009, 'frame far over max_frame_bytes');
    if (message.byteLength > this.d.config.maxFrameBytes) {
      // The ref of an oversize frame cannot be trusted, so it is not echoed.
      return this.error(ws, undefined, new HaatError('too_large', `frame of ${message.byteLength} bytes is over max_frame_bytes (${this.d.config.maxFrameBytes})`));
    }
    if (isBinary) return this.error(ws, undefined, new HaatError('bad_request', 'binary frames are not accepted; send JSON text frames'));
    const parsed = parseFrame(Buffer.from(message).toString('utf8'));
    if (!parsed.ok) {
      this.countFrameIn('invalid');
      return this.error(ws, parsed.ref, parsed.error);
    }
    const frame = parsed.frame;
    this.countFrameIn(frame.type);
    const wait = Math.max(s.bucket.take(now), s.userBucket?.take(now) ?? 0);
    if (wait > 0) return this.error(ws, frame.ref, new HaatError('rate_limited', 'too many messages', { retryAfterMs: wait }));
    this.dispatch(ws, s, frame);
  }

  /** prom-client hashes the labels on every labels() call; the per-type children are kept instead. */
  private countFrameIn(type: string): void {
    let c = this.framesInByType.get(type);
    if (!c) this.framesInByType.set(type, (c = this.d.metrics.framesIn.labels(type)));
    c.inc();
  }

  /** §2: a client that keeps flooding (floodFactor x its limit over the window) is closed with 4008. */
  private flooding(ws: Socket, s: ConnState, now: number): boolean {
    const c = this.d.config;
    if (now - s.floodWindowStart >= c.floodWindowMs) {
      s.floodWindowStart = now;
      s.floodCount = 0;
    }
    s.floodCount++;
    if (s.floodCount <= (s.messagesPerSecond * c.floodFactor * c.floodWindowMs) / 1000) return false;
    this.log.warn({ security: true, event: 'flooding', session: s.sessionId, user: s.principal.userId, ip: s.ip, frames: s.floodCount, windowMs: c.floodWindowMs }, 'closing a flooding client');
    this.closeWith(ws, 4008, 'policy violation: flooding');
    return true;
  }

  private dispatch(ws: Socket, s: ConnState, frame: ClientFrame): void {
    switch (frame.type) {
      case 'ping':
        return this.send(ws, withRef({ type: 'pong', server_time: toDhakaIso(this.d.clock.now()) }, frame.ref));
      case 'join_channel':
        return void this.join(ws, s, frame).catch((err: unknown) => this.error(ws, frame.ref, err));
      case 'leave_channel': {
        const left: string[] = [];
        for (const ch of new Set(frame.channels)) {
          s.joining?.delete(ch);
          if (!s.channels.delete(ch)) continue;
          ws.unsubscribe(ch);
          this.countSubscriber(ch, -1);
          left.push(ch);
        }
        return this.send(ws, withRef({ type: 'channels_left', channels: left }, frame.ref));
      }
      case 'broadcast_event': {
        const ch = parseChannel(frame.channel);
        if (!ch) return this.error(ws, frame.ref, new HaatError('bad_request', `bad channel name ${JSON.stringify(frame.channel)}`));
        if (!mayBroadcast(s.principal, ch, frame.channel)) return this.error(ws, frame.ref, new HaatError('forbidden', `may not broadcast on ${frame.channel}`));
        return this.publish(ws, frame.ref, {
          channel: frame.channel,
          event_type: frame.event_type,
          data: frame.data,
          priority: frame.priority ?? 'normal',
          ttl_s: frame.ttl_s,
          sender: s.principal.userId,
          client_msg_id: frame.client_msg_id,
        });
      }
      case 'send_message': {
        const ch = parseChannel(frame.channel);
        if (!ch) return this.error(ws, frame.ref, new HaatError('bad_request', `bad channel name ${JSON.stringify(frame.channel)}`));
        if (!maySendMessage(s.principal, ch)) return this.error(ws, frame.ref, new HaatError('forbidden', `may not send messages on ${frame.channel}`));
        const text = sanitizeText(frame.message);
        if (text.length === 0) return this.error(ws, frame.ref, new HaatError('bad_request', 'message is empty once markup is removed'));
        return this.publish(ws, frame.ref, {
          channel: frame.channel,
          event_type: 'message',
          data: { message: text, message_type: frame.message_type ?? 'text', metadata: frame.metadata ?? {}, sender_id: s.principal.userId, client_msg_id: frame.client_msg_id ?? null },
          priority: 'normal',
          ttl_s: undefined,
          sender: s.principal.userId,
          client_msg_id: frame.client_msg_id,
        });
      }
      default:
        return assertNever(frame);
    }
  }

  private publish(ws: Socket, ref: FrameRef | undefined, req: PublishRequest): void {
    // The callback keeps only the channel name, not the request and its data:
    // whatever it holds lives as long as the ask (promoted to the old
    // generation when answers are slow, which makes them slower still).
    const channel = req.channel;
    requestPublish(this.d.actors, req, this.d.askTimeoutMs, (err, answer) => {
      if (err || !answer) return this.error(ws, ref, err ?? new HaatError('internal', 'no answer'));
      this.send(ws, withRef({ type: 'reply', ok: true, id: answer.id, channel, offset: answer.offset }, ref));
    });
  }

  private async join(ws: Socket, s: ConnState, frame: Extract<ClientFrame, { type: 'join_channel' }>): Promise<void> {
    const denied: { channel: string; code: ErrorCode; message: string }[] = [];
    const allowed: { channel: string; since: { epoch: string; offset: number } | undefined }[] = [];
    const deny = (channel: string, code: ErrorCode, message: string): void => void denied.push({ channel, code, message });
    let room = this.d.config.maxChannels - s.channels.size - (s.joining?.size ?? 0);
    for (const channel of new Set(frame.channels)) {
      const ch = parseChannel(channel);
      if (!ch) {
        deny(channel, 'bad_request', 'channel names are namespace:id with id of [A-Za-z0-9_.-]{1,128}');
        continue;
      }
      let verdict = mayJoin(s.principal, ch, channel);
      if (verdict === 'needs_channel_token') {
        const token = frame.tokens?.[channel];
        verdict = token && s.principal.userId !== null && (await this.channelGrant(token, s.principal.userId, channel)) ? 'allow' : 'forbidden';
      }
      if (verdict !== 'allow') {
        deny(channel, 'forbidden', `may not join ${channel}`);
        continue;
      }
      const already = s.channels.has(channel) || s.joining?.has(channel) === true;
      if (!already && room <= 0) {
        deny(channel, 'channel_limit', `at most ${this.d.config.maxChannels} channels per connection`);
        continue;
      }
      if (!already) room--;
      allowed.push({ channel, since: frame.since?.[channel] });
    }
    if (s.closed) return;
    const joining = (s.joining ??= new Set());
    for (const a of allowed) joining.add(a.channel);
    askJoins(this.d.actors, this.d.fanout, this.d.nodeId, allowed, this.d.askTimeoutMs, (ch) => s.channels.has(ch), (out) => {
      for (const a of allowed) joining.delete(a.channel);
      if (joining.size === 0 && s.joining === joining) s.joining = undefined;
      // A join that ended without a subscription must not leave this node watching.
      const unwatchRest = (): void => {
        for (const a of allowed) this.unwatchIfUnused(a.channel);
      };
      if (s.closed) return unwatchRest();
      // Written now, not at the end of the turn: live events published after
      // this point must find the socket subscribed and these frames ahead of them.
      ws.cork(() => this.corkedScope(() => {
        for (const ch of out.subscribe) {
          ws.subscribe(ch);
          s.channels.add(ch);
          this.countSubscriber(ch, 1);
        }
        this.send(ws, withRef({ type: 'channels_joined', channels: out.joined, denied: [...denied, ...out.denied] }, frame.ref));
        for (const f of out.replay) this.sendRaw(ws, f);
      }));
      unwatchRest();
    });
  }

  private async channelGrant(token: string, userId: string, channel: string): Promise<boolean> {
    try {
      return await this.d.verifier.channelGrant(token, userId, channel);
    } catch (err) {
      if (err instanceof HaatError && err.code === 'unauthorized') return false;
      throw err;
    }
  }

  private countSubscriber(channel: string, delta: number): void {
    const n = (this.channelSubscribers.get(channel) ?? 0) + delta;
    if (n > 0) {
      this.channelSubscribers.set(channel, n);
      return;
    }
    this.channelSubscribers.delete(channel);
    this.unwatchIfUnused(channel);
  }

  /**
   * Tells the channel actor this node no longer needs its events. Not while a
   * join is in flight: that join's answer may be about to subscribe someone,
   * and the actor sees this unwatch only after that join.
   */
  private unwatchIfUnused(channel: string): void {
    if (this.channelSubscribers.has(channel) || this.d.fanout.isCapturing(channel)) return;
    try {
      this.d.actors.send(channelAddress(channel), { type: 'unwatch', node: this.d.nodeId });
    } catch (err) {
      // Only a cost: the node keeps receiving events it drops.
      this.log.debug({ err, channel }, 'unwatch not sent');
    }
  }

  /** A replaced host thread lost its channels' watchers (and history): watch again what has subscribers here. */
  rewatch(hostIndex: number): void {
    for (const channel of this.channelSubscribers.keys()) {
      const address = channelAddress(channel);
      if (this.d.actors.hostOf(address) !== hostIndex) continue;
      try {
        this.d.actors.send(address, { type: 'watch', node: this.d.nodeId });
      } catch (err) {
        this.log.warn({ err, channel }, 'could not re-watch a channel after its host restarted');
      }
    }
  }

  private error(ws: Socket, ref: FrameRef | undefined, err: unknown): void {
    // Only failures that are not ours get an id, to find them in the log.
    const e = err instanceof HaatError ? err : toHaatError(err, `err_${nanoid(8)}`);
    if (e.code === 'internal') this.log.error({ err, id: e.id }, 'internal error answering a frame');
    this.d.metrics.errors.labels(e.code).inc();
    this.send(ws, withRef({ type: 'error', ...e.toBody() }, ref));
  }

  send(ws: Socket, frame: object): void {
    this.sendRaw(ws, JSON.stringify(frame));
  }

  /**
   * Inside a uWS handler (and the join's cork) uWS already corks: write now.
   * Elsewhere (answers from actors arrive many at a time) each write would be
   * a syscall of its own, so frames wait for the end of the turn and go out
   * corked, one write per socket.
   */
  private sendRaw(ws: Socket, text: string): void {
    if (this.corked > 0) return this.write(ws, text);
    const q = this.outbox.get(ws);
    if (q) q.push(text);
    else this.outbox.set(ws, [text]);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushOutbox);
    }
  }

  private readonly flushOutbox = (): void => {
    this.flushScheduled = false;
    const out = this.outbox;
    this.outbox = new Map();
    for (const [ws, frames] of out) {
      if (ws.getUserData().closed) continue;
      ws.cork(() => {
        for (const f of frames) this.write(ws, f);
      });
    }
  };

  /** Runs `fn` with writes going straight to the socket (uWS is corked around it). */
  private corkedScope(fn: () => void): void {
    this.corked++;
    try {
      fn();
    } finally {
      this.corked--;
    }
  }

  private write(ws: Socket, text: string): void {
    const s = ws.getUserData();
    if (s.closed) return;
    this.d.metrics.framesOut.inc();
    this.framesOut++;
    const status = ws.send(text, false);
    if (status === 2 || ws.getBufferedAmount() > this.d.config.maxBackpressureBytes) this.closeSlow(ws);
  }

  /** Closes every socket whose send buffer is over the limit; runs every slowConsumerCheckMs. */
  sweepSlowConsumers(): void {
    const limit = this.d.config.maxBackpressureBytes;
    for (const ws of this.sockets) if (ws.getBufferedAmount() > limit) this.closeSlow(ws);
  }

  private closeSlow(ws: Socket): void {
    const s = ws.getUserData();
    if (s.closed) return;
    this.d.metrics.slowConsumers.inc();
    this.log.warn({ session: s.sessionId, user: s.principal.userId, buffered: ws.getBufferedAmount() }, 'closing a slow consumer');
    this.closeWith(ws, 4009, 'slow consumer');
  }

  closeWith(ws: Socket, code: number, reason: string): void {
    const s = ws.getUserData();
    if (s.closed) return;
    // What was written before the close goes out before it.
    const pending = this.outbox.get(ws);
    if (pending) {
      this.outbox.delete(ws);
      ws.cork(() => {
        for (const f of pending) this.write(ws, f);
      });
      if (s.closed) return; // the flush found it a slow consumer
    }
    s.closed = true;
    this.d.metrics.closes.labels(String(code)).inc();
    ws.end(code, reason);
  }

  /** GET admin/connections: one page of the open connections, in the order they opened. */
  listConnections(from: number, limit: number): { items: object[]; next: number | null } {
    const all = [...this.sockets];
    const items = all.slice(from, from + limit).map((ws) => {
      const s = ws.getUserData();
      return { session_id: s.sessionId, user_id: s.principal.userId, roles: [...s.principal.roles], ip: s.ip, lang: s.lang, net: s.net ?? null, channels: s.channels.size, connected_at: toDhakaIso(s.connectedAt) };
    });
    return { items, next: from + limit < all.length ? from + limit : null };
  }

  /** POST admin/disconnect: closes a user's connections or one session with 4003. */
  disconnect(target: { user_id?: string | undefined; session_id?: string | undefined }, reason: string): number {
    let n = 0;
    for (const ws of [...this.sockets]) {
      const s = ws.getUserData();
      if (s.closed) continue;
      if ((target.session_id !== undefined && s.sessionId === target.session_id) || (target.user_id !== undefined && s.principal.userId === target.user_id)) {
        this.log.warn({ security: true, event: 'admin_disconnect', session: s.sessionId, user: s.principal.userId, reason }, 'disconnected by an admin');
        this.closeWith(ws, 4003, reason.slice(0, 100));
        n++;
      }
    }
    return n;
  }

  /** SIGTERM (DESIGN.md §5): tell every client to reconnect elsewhere, with jitter, and close 1001. */
  drain(): number {
    this.draining = true;
    const { min, max } = this.d.reconnectAfterMs;
    let n = 0;
    for (const ws of [...this.sockets]) {
      if (ws.getUserData().closed) continue;
      const after = Math.round(min + Math.random() * (max - min));
      this.send(ws, { type: 'closing', code: 'draining', reconnect_after_ms: after });
      this.closeWith(ws, 1001, 'server draining');
      n++;
    }
    return n;
  }

  /** Resolves once the last connection has closed. */
  drained(): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.onDrained = resolve));
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}

/** Adds the request's ref to an answer (mutates: answers are built fresh for each request). */
function withRef<T extends object>(frame: T, ref: FrameRef | undefined): T & { ref?: FrameRef } {
  if (ref !== undefined) (frame as T & { ref?: FrameRef }).ref = ref;
  return frame;
}
