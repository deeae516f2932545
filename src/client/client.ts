// HaatClient: haat's wire protocol (PROTOCOL.md) for browsers and Node.
// Reconnects with full-jitter backoff, follows the server's close codes and
// `closing` hints, resumes every channel with `since`, and keeps each
// request's idempotency key across timeouts and reconnects, so that a retry
// never publishes, bids or reserves twice. Imports nothing outside src/client.
import { HaatError, type ErrorFrame } from './errors.ts';
import { networkHints, type Net } from './network.ts';

/** What the client needs of a WebSocket: the browser's, or `ws`'s in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: any) => void) | null;
  onclose: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export type State = 'connecting' | 'open' | 'closed' | 'reconnecting';
export type Frame = { type: string; ref?: number | string; [k: string]: unknown };

export interface ChannelEvent extends Frame {
  type: 'event';
  channel: string;
  epoch: string;
  offset: number;
  id: string;
  event_type: string;
  priority?: string;
  data: unknown;
  ts?: string;
}

export interface Notification extends Frame {
  type: 'notification';
  id: string;
  notification_type: string;
  title?: string;
  message?: string;
  data?: unknown;
  priority?: string;
  created_at?: string;
}

export interface Lean {
  class: string;
  window_ms: number;
  source: string;
}

export interface Position {
  epoch: string;
  offset: number;
}

export interface ChannelsJoined extends Frame {
  type: 'channels_joined';
  channels: { channel: string; epoch: string; offset: number; recovered: boolean }[];
  denied: { channel: string; code: string; message?: string }[];
}

export interface Reply extends Frame {
  type: 'reply';
  ok: true;
}

/** Where to connect: one URL, several (tried in turn on each reconnect), or a function of the attempt number. */
export type UrlOption = string | readonly string[] | ((attempt: number) => string);

export interface HaatClientOptions {
  url: UrlOption;
  /** A JWT for the upgrade (`?token=`). Used for the first connection when given. */
  token?: string;
  /** Supplies a (fresh) JWT: called at connect (unless `token` was given), when the token held has expired, and after a 4001 close or a 401 at the upgrade. */
  getToken?: () => Promise<string>;
  lang?: 'en' | 'bn';
  /** Network hint (§6). When absent, `networkHints().net` is used where the browser tells it. */
  net?: Net;
  carrier?: string;
  device?: 'android' | 'ios' | 'web';
  app_version?: string;
  /** The WebSocket constructor; defaults to the global one (browsers). In Node 20 pass `ws`'s. */
  WebSocket?: WebSocketCtor;
  /** Requests waiting while disconnected, at most (default 100); over it the oldest is rejected with `queue_overflow`. */
  queueMax?: number;
  /** How long one attempt of a request waits for its answer once sent (default 10,000 ms). */
  requestTimeoutMs?: number;
  /** Attempts per request (timeouts and `unavailable` answers count; a lost connection does not), default 3. */
  maxAttempts?: number;
  /** Full-jitter exponential backoff between reconnects: random(0, min(maxMs, baseMs * 2^n)). */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Send `ping` frames and drop a connection silent for 2 x heartbeat_ms (default true). */
  heartbeat?: boolean;
}

export interface Events {
  state: (s: State) => void;
  authenticated: (frame: Frame) => void;
  event: (ev: ChannelEvent) => void;
  notification: (n: Notification) => void;
  refetch: (channel: string) => void;
  lean: (lean: Lean | null) => void;
  error: (err: HaatError) => void;
}
type EventName = keyof Events;

interface Pending {
  frame: Record<string, unknown>;
  key: string | undefined;
  resolve: (f: Frame) => void;
  reject: (e: HaatError) => void;
  refs: number[];
  attempts: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Runs on the success frame before the promise resolves. */
  onAnswer: ((f: Frame) => void) | undefined;
  /** Internal requests (the rejoin) are dropped, not queued, when the connection goes. */
  internal: boolean;
  seq: number;
}

const DEFAULTS = { queueMax: 100, requestTimeoutMs: 10_000, maxAttempts: 3, baseMs: 500, maxMs: 30_000 };
const OPEN = 1;
/** A token this close to its `exp` is refreshed before a (re)connect. */
const TOKEN_SKEW_MS = 5_000;
const SEEN_NOTIFICATIONS = 1_000;

export class HaatClient {
  private readonly o: HaatClientOptions;
  private readonly Ctor: WebSocketCtor | undefined;
  private readonly listeners = new Map<EventName, Set<(...a: any[]) => void>>();
  private ws: WebSocketLike | null = null;
  private _state: State = 'closed';
  private stopped = true;
  /** Set by close() and fatal closes; cleared by connect(). */
  private ended: HaatError | undefined;
  private everOpened = false;
  private attempt = 0;
  private urlIndex = -1;
  private connSeq = 0;
  private token: string | undefined;
  private firstToken: string | undefined;
  private needToken = false;
  private authRetried = false;
  private closingDelay: number | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastRx = 0;
  private nextRef = 1;
  private nextSeq = 1;
  private queue: Pending[] = [];
  private readonly inflight = new Map<number, Pending>();
  /** Requests waiting out a delay before their next attempt (after `unavailable`). */
  private readonly delayed = new Set<Pending>();
  private readonly wanted = new Set<string>();
  private readonly positions = new Map<string, Position>();
  private readonly channelTokens = new Map<string, string>();
  private readonly seenNotifications = new Set<string>();
  private lean: Lean | null | undefined;
  private onlineHandler: (() => void) | undefined;
  /** The last `authenticated` frame. */
  session: Frame | undefined;
  /** Counters, for apps' telemetry and tests. */
  readonly stats = { connects: 0, reconnects: 0, duplicates_dropped: 0, refetches: 0, retries: 0, last_delay_ms: 0 };

  constructor(opts: HaatClientOptions) {
    this.o = opts;
    this.Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    this.token = opts.token;
    this.firstToken = opts.token;
  }

  get state(): State {
    return this._state;
  }

  /** The last `{epoch, offset}` received on a channel (what a resume sends as `since`). */
  position(channel: string): Position | undefined {
    const p = this.positions.get(channel);
    return p ? { ...p } : undefined;
  }

  /** The channels the client is in (or joining): rejoined after every reconnect. */
  channels(): string[] {
    return [...this.wanted];
  }

  on<K extends EventName>(name: K, fn: Events[K]): this {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn);
    return this;
  }

  off<K extends EventName>(name: K, fn: Events[K]): this {
    this.listeners.get(name)?.delete(fn);
    return this;
  }

  private emit<K extends EventName>(name: K, ...args: Parameters<Events[K]>): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        // A listener's bug must not break the connection; report it where it belongs.
        if (name === 'error') setTimeout(() => { throw err; }, 0);
        else this.emit('error', new HaatError('listener_error', `a '${name}' listener threw: ${err instanceof Error ? err.message : String(err)}`));
      }
    }
  }

  connect(): void {
    if (!this.stopped) return;
    if (!this.Ctor) throw new Error('haat-client: no WebSocket constructor: pass options.WebSocket (e.g. the `ws` package in Node)');
    this.stopped = false;
    this.ended = undefined;
    this.attempt = 0;
    this.authRetried = false;
    this.listenOnline();
    void this.openSocket();
  }

  /** Closes for good (until connect() again): pending requests are rejected with `closed`. */
  close(): void {
    this.stopped = true;
    this.connSeq++;
    this.clearTimers();
    this.unlistenOnline();
    const ws = this.ws;
    this.ws = null;
    if (ws) discard(ws, 1000, 'client closed');
    this.ended = new HaatError('closed', 'the client was closed');
    this.rejectAll(this.ended);
    this.setState('closed');
  }

  // ---- requests -------------------------------------------------------

  async join(channels: string[], opts: { tokens?: Record<string, string> } = {}): Promise<ChannelsJoined> {
    for (const c of channels) this.wanted.add(c);
    for (const [c, t] of Object.entries(opts.tokens ?? {})) this.channelTokens.set(c, t);
    const frame: Record<string, unknown> = { type: 'join_channel', channels };
    if (opts.tokens) frame.tokens = opts.tokens;
    try {
      return (await this.request(frame, undefined, (f) => this.applyJoined(f as ChannelsJoined, {}), false)) as ChannelsJoined;
    } catch (err) {
      // A join that never got through leaves nothing to rejoin.
      for (const c of channels) if (!this.positions.has(c)) this.forget(c);
      throw err;
    }
  }

  leave(channels: string[]): Promise<Frame> {
    for (const c of channels) this.forget(c);
    return this.request({ type: 'leave_channel', channels });
  }

  publish(channel: string, event_type: string, data: unknown, opts: { priority?: 'low' | 'normal' | 'high'; ttl_s?: number; client_msg_id?: string } = {}): Promise<Reply> {
    const client_msg_id = opts.client_msg_id ?? newId('m');
    const frame: Record<string, unknown> = { type: 'broadcast_event', channel, event_type, data, client_msg_id };
    if (opts.priority !== undefined) frame.priority = opts.priority;
    if (opts.ttl_s !== undefined) frame.ttl_s = opts.ttl_s;
    return this.request(frame, client_msg_id) as Promise<Reply>;
  }

  send(channel: string, message: string, opts: { message_type?: string; metadata?: unknown; client_msg_id?: string } = {}): Promise<Reply> {
    const client_msg_id = opts.client_msg_id ?? newId('m');
    const frame: Record<string, unknown> = { type: 'send_message', channel, message, client_msg_id };
    if (opts.message_type !== undefined) frame.message_type = opts.message_type;
    if (opts.metadata !== undefined) frame.metadata = opts.metadata;
    return this.request(frame, client_msg_id) as Promise<Reply>;
  }

  bid(auction_id: string, amount: number, opts: { client_bid_id?: string } = {}): Promise<Reply> {
    const client_bid_id = opts.client_bid_id ?? newId('b');
    return this.request({ type: 'bid', auction_id, amount, client_bid_id }, client_bid_id) as Promise<Reply>;
  }

  reserve(sale_id: string, sku: string, qty: number, opts: { client_req_id?: string } = {}): Promise<Reply> {
    const client_req_id = opts.client_req_id ?? newId('r');
    return this.request({ type: 'reserve', sale_id, sku, qty, client_req_id }, client_req_id) as Promise<Reply>;
  }

  release(sale_id: string, reservation_id: string): Promise<Reply> {
    return this.request({ type: 'release', sale_id, reservation_id }) as Promise<Reply>;
  }

  presence(status: 'online' | 'away' | 'busy' | 'invisible', opts: { current_page?: string; shopping_activity?: unknown } = {}): Promise<Reply> {
    const frame: Record<string, unknown> = { type: 'presence', status };
    if (opts.current_page !== undefined) frame.current_page = opts.current_page;
    if (opts.shopping_activity !== undefined) frame.shopping_activity = opts.shopping_activity;
    return this.request(frame) as Promise<Reply>;
  }

  ack(notification_ids: string[]): Promise<Reply> {
    return this.request({ type: 'ack', notification_ids }) as Promise<Reply>;
  }

  ping(): Promise<Frame> {
    return this.request({ type: 'ping' });
  }

  private forget(channel: string): void {
    this.wanted.delete(channel);
    this.positions.delete(channel);
    this.channelTokens.delete(channel);
  }

  private request(frame: Record<string, unknown>, key?: string, onAnswer?: (f: Frame) => void, internal = false): Promise<Frame> {
    return new Promise<Frame>((resolve, reject) => {
      // After close() (or a fatal close), nothing waits: the app must connect() again.
      if (this.ended) return reject(this.ended);
      // Before connect() or while disconnected, a request waits in the queue.
      const p: Pending = { frame, key, resolve, reject, refs: [], attempts: 0, timer: undefined, onAnswer, internal, seq: this.nextSeq++ };
      if (this.isOpen()) this.transmit(p);
      else this.enqueue([p]);
    });
  }

  private isOpen(): boolean {
    return this._state === 'open' && this.ws !== null && this.ws.readyState === OPEN;
  }

  private enqueue(ps: Pending[]): void {
    for (const p of ps) if (p.internal) this.settle(p);
    this.queue.push(...ps.filter((p) => !p.internal));
    this.queue.sort((a, b) => a.seq - b.seq);
    const max = this.o.queueMax ?? DEFAULTS.queueMax;
    while (this.queue.length > max) {
      const oldest = this.queue.shift()!;
      oldest.reject(new HaatError('queue_overflow', `request ${String(oldest.frame.type)} dropped: more than ${max} requests waited for the connection (queueMax)`, { temporary: true, idempotency_key: oldest.key }));
    }
  }

  private transmit(p: Pending): void {
    const ref = this.nextRef++;
    // Serialised first: data that cannot be (a cycle, a BigInt) rejects the request and leaves nothing behind.
    let text: string;
    try {
      text = JSON.stringify({ ...p.frame, ref });
    } catch (err) {
      this.settle(p);
      p.reject(new HaatError('bad_request', `cannot serialise ${String(p.frame.type)}: ${err instanceof Error ? err.message : String(err)}`, { idempotency_key: p.key }));
      return;
    }
    p.refs.push(ref);
    this.inflight.set(ref, p);
    this.ws!.send(text);
    p.timer = setTimeout(() => this.timedOut(p), this.o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs);
  }

  /** No answer in time: send it again, with the same idempotency key, or give up. */
  private timedOut(p: Pending): void {
    p.timer = undefined;
    p.attempts++;
    if (p.attempts >= (this.o.maxAttempts ?? DEFAULTS.maxAttempts)) {
      this.settle(p);
      p.reject(new HaatError('timeout', `no answer to ${String(p.frame.type)} after ${p.attempts} attempts`, { temporary: true, idempotency_key: p.key }));
      return;
    }
    this.stats.retries++;
    // Answers to the earlier refs are still taken: whichever comes first settles it.
    if (this.isOpen()) this.transmit(p);
    else this.enqueue([p]);
  }

  /** Forgets a request's refs and timer (it is answered, dropped or given up). */
  private settle(p: Pending): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
    for (const r of p.refs) this.inflight.delete(r);
  }

  private answer(f: Frame): void {
    const p = typeof f.ref === 'number' ? this.inflight.get(f.ref) : undefined;
    if (!p) return;
    this.settle(p);
    if (f.type === 'error') {
      const e = f as ErrorFrame;
      if (e.code === 'unavailable' && p.attempts + 1 < (this.o.maxAttempts ?? DEFAULTS.maxAttempts)) {
        // The owner is moving or restarting (§9): the same request, same key, a moment later.
        p.attempts++;
        this.stats.retries++;
        const delay = retryDelay(e.retry_after_ms, p.attempts, this.baseMs(), this.maxMs());
        this.delayed.add(p);
        p.timer = setTimeout(() => {
          p.timer = undefined;
          this.delayed.delete(p);
          if (this.isOpen()) this.transmit(p);
          else this.enqueue([p]);
        }, delay);
        return;
      }
      p.reject(HaatError.fromFrame(e, p.key));
      return;
    }
    try {
      p.onAnswer?.(f);
    } finally {
      p.resolve(f);
    }
  }

  private rejectAll(err: HaatError): void {
    const all = new Set<Pending>([...this.inflight.values(), ...this.queue, ...this.delayed]);
    this.queue = [];
    this.delayed.clear();
    for (const p of all) {
      this.settle(p);
      if (!p.internal) p.reject(err);
    }
  }

  // ---- connection -----------------------------------------------------

  private baseMs(): number {
    return this.o.backoff?.baseMs ?? DEFAULTS.baseMs;
  }

  private maxMs(): number {
    return this.o.backoff?.maxMs ?? DEFAULTS.maxMs;
  }

  private setState(s: State): void {
    if (this._state === s) return;
    this._state = s;
    this.emit('state', s);
  }

  private nextUrl(): string {
    const u = this.o.url;
    this.urlIndex++;
    if (typeof u === 'function') return u(this.urlIndex);
    if (typeof u === 'string') return u;
    if (u.length === 0) throw new Error('haat-client: options.url is an empty list');
    return u[this.urlIndex % u.length]!;
  }

  private buildUrl(base: string): string {
    const url = new URL(base);
    const q = url.searchParams;
    if (this.token) q.set('token', this.token);
    if (this.o.lang) q.set('lang', this.o.lang);
    const net = this.o.net ?? networkHints().net;
    if (net) q.set('net', net);
    if (this.o.carrier) q.set('carrier', this.o.carrier);
    if (this.o.device) q.set('device', this.o.device);
    if (this.o.app_version) q.set('app_version', this.o.app_version);
    return url.toString();
  }

  private async openSocket(): Promise<void> {
    const seq = ++this.connSeq;
    this.setState(this.everOpened ? 'reconnecting' : 'connecting');
    const get = this.o.getToken;
    const first = this.firstToken !== undefined;
    this.firstToken = undefined;
    if (get && !first && (this.needToken || this.token === undefined || tokenExpired(this.token))) {
      try {
        this.token = await get();
        this.needToken = false;
      } catch (err) {
        if (seq !== this.connSeq || this.stopped) return;
        this.emit('error', new HaatError('token_failed', `getToken failed: ${err instanceof Error ? err.message : String(err)}`, { temporary: true }));
        this.scheduleReconnect(this.backoffDelay());
        return;
      }
      if (seq !== this.connSeq || this.stopped) return;
    }
    let ws: WebSocketLike;
    try {
      ws = new this.Ctor!(this.buildUrl(this.nextUrl()));
    } catch (err) {
      this.fail(new HaatError('bad_url', `cannot open a WebSocket: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    this.ws = ws;
    let opened = false;
    let upgradeStatus: number | undefined;
    ws.onopen = () => {
      opened = true;
      this.lastRx = Date.now();
    };
    ws.onerror = (ev: { message?: unknown; error?: { message?: unknown } } | undefined) => {
      // Browsers hide why an upgrade failed; `ws` (Node) says "Unexpected server response: 401".
      const m = /Unexpected server response: (\d+)/.exec(String(ev?.message ?? ev?.error?.message ?? ''));
      if (m) upgradeStatus = Number(m[1]);
    };
    ws.onmessage = (ev: { data: unknown }) => {
      if (ws !== this.ws) return;
      this.onText(ev.data);
    };
    ws.onclose = (ev: { code?: number; reason?: string } | undefined) => {
      if (ws !== this.ws) return;
      this.onClosed(ev?.code ?? 1006, ev?.reason ?? '', opened, upgradeStatus);
    };
  }

  private onText(data: unknown): void {
    this.lastRx = Date.now();
    let f: Frame;
    try {
      f = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer)) as Frame;
    } catch (err) {
      this.emit('error', new HaatError('bad_frame', `a frame that is not JSON: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    switch (f.type) {
      case 'authenticated':
        return this.onAuthenticated(f);
      case 'event':
        return this.onEvent(f as ChannelEvent);
      case 'notification': {
        const n = f as Notification;
        if (this.seenNotifications.has(n.id)) return;
        this.seenNotifications.add(n.id);
        if (this.seenNotifications.size > SEEN_NOTIFICATIONS) this.seenNotifications.delete(this.seenNotifications.values().next().value!);
        this.emit('notification', n);
        return;
      }
      case 'lean_mode':
        return this.setLean((f.lean as Lean | null | undefined) ?? null);
      case 'closing':
        if (typeof f.reconnect_after_ms === 'number') this.closingDelay = f.reconnect_after_ms;
        return;
      default:
        if (f.ref !== undefined) return this.answer(f);
        if (f.type === 'error') this.emit('error', HaatError.fromFrame(f as ErrorFrame));
      // Other frames without a ref (pong, newer types) are ignored (§2, forward compatibility).
    }
  }

  private setLean(lean: Lean | null): void {
    if (this.lean !== undefined && JSON.stringify(this.lean) === JSON.stringify(lean)) return;
    this.lean = lean;
    this.emit('lean', lean);
  }

  private onAuthenticated(f: Frame): void {
    this.session = f;
    this.stats.connects++;
    if (this.everOpened) this.stats.reconnects++;
    this.everOpened = true;
    this.attempt = 0;
    this.authRetried = false;
    this.closingDelay = undefined;
    this.setState('open');
    this.emit('authenticated', f);
    this.setLean((f.lean as Lean | null | undefined) ?? null);
    this.startHeartbeat(typeof f.heartbeat_ms === 'number' ? f.heartbeat_ms : 25_000);
    this.rejoin();
    const waiting = this.queue;
    this.queue = [];
    for (const p of waiting) {
      if (!this.isOpen()) {
        this.enqueue([p]);
        continue;
      }
      this.transmit(p);
    }
  }

  /** After a reconnect: every channel already joined, with `since` its last position. */
  private rejoin(channels: string[] = [...this.wanted].filter((c) => this.positions.has(c))): void {
    if (channels.length === 0) return;
    const since: Record<string, Position> = {};
    for (const c of channels) since[c] = { ...this.positions.get(c)! };
    const frame: Record<string, unknown> = { type: 'join_channel', channels, since };
    const tokens: Record<string, string> = {};
    for (const c of channels) {
      const t = this.channelTokens.get(c);
      if (t !== undefined) tokens[c] = t;
    }
    if (Object.keys(tokens).length > 0) frame.tokens = tokens;
    const seq = this.connSeq;
    this.request(frame, undefined, (f) => this.applyJoined(f as ChannelsJoined, since), true).catch((err: HaatError) => {
      if (seq !== this.connSeq || this.stopped) return;
      // Not answered (timeout, unavailable): this connection has not resumed; try again on it.
      this.emit('error', new HaatError(err.code, `rejoin failed: ${err.message}`, { temporary: true }));
      setTimeout(() => {
        if (seq === this.connSeq && this.isOpen()) this.rejoin(channels.filter((c) => this.wanted.has(c)));
      }, jitter(this.baseMs() * 4, this.maxMs()));
    });
  }

  private applyJoined(f: ChannelsJoined, since: Record<string, Position>): void {
    for (const c of f.channels ?? []) {
      if (!this.wanted.has(c.channel)) continue;
      const had = since[c.channel];
      const pos = this.positions.get(c.channel);
      if (had && !c.recovered) {
        // History no longer holds what was missed (§4): the app refetches over REST.
        this.positions.set(c.channel, { epoch: c.epoch, offset: c.offset });
        this.stats.refetches++;
        this.emit('refetch', c.channel);
      } else if (had) {
        // Recovered: the missed events follow, numbered from since.offset + 1.
        if (!pos) this.positions.set(c.channel, had);
      } else if (!pos || pos.epoch !== c.epoch || pos.offset < c.offset) {
        this.positions.set(c.channel, { epoch: c.epoch, offset: c.offset });
      }
    }
    const retry: string[] = [];
    for (const d of f.denied ?? []) {
      if (d.code === 'unavailable' && since[d.channel]) {
        retry.push(d.channel);
        continue;
      }
      if (since[d.channel]) {
        this.forget(d.channel);
        this.emit('error', new HaatError(d.code, `rejoining ${d.channel} was denied: ${d.message ?? d.code}`));
      } else if (!this.positions.has(d.channel)) {
        this.forget(d.channel);
      }
    }
    if (retry.length > 0) {
      const seq = this.connSeq;
      setTimeout(() => {
        if (seq === this.connSeq && this.isOpen()) this.rejoin(retry.filter((c) => this.wanted.has(c)));
      }, jitter(this.baseMs() * 4, this.maxMs()));
    }
  }

  private onEvent(ev: ChannelEvent): void {
    if (!this.wanted.has(ev.channel)) return;
    const pos = this.positions.get(ev.channel);
    if (pos && pos.epoch === ev.epoch && ev.offset <= pos.offset) {
      this.stats.duplicates_dropped++;
      return;
    }
    this.positions.set(ev.channel, { epoch: ev.epoch, offset: ev.offset });
    this.emit('event', ev);
  }

  private startHeartbeat(heartbeatMs: number): void {
    this.stopHeartbeat();
    if (this.o.heartbeat === false) return;
    // A quarter heartbeat: the drop comes within a quarter of it after two heartbeats of silence.
    const every = Math.max(250, Math.floor(heartbeatMs / 4));
    this.heartbeatTimer = setInterval(() => {
      const idle = Date.now() - this.lastRx;
      if (idle > 2 * heartbeatMs) return this.dropSocket('no frame from the server for 2 heartbeats');
      if (idle > heartbeatMs && this.isOpen()) this.ws!.send('{"type":"ping"}');
    }, every);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** Gives up on a socket that went silent (its close may take the TCP timeout): reconnect now. */
  private dropSocket(why: string): void {
    const ws = this.ws;
    if (!ws) return;
    discard(ws, 4000, why);
    this.onClosed(1006, why, true, undefined);
  }

  private onClosed(code: number, reason: string, opened: boolean, upgradeStatus: number | undefined): void {
    const ws = this.ws;
    if (ws) detach(ws);
    this.ws = null;
    this.connSeq++;
    this.stopHeartbeat();
    // Requests sent and not answered go back to the queue, in order, with their keys.
    const sent = new Set(this.inflight.values());
    for (const p of sent) this.settle(p);
    this.enqueue([...sent]);
    if (this.stopped) return this.setState('closed');
    const unauthorized = code === 4001 || upgradeStatus === 401 || (!opened && this.token !== undefined && tokenExpired(this.token));
    if (unauthorized) {
      if (this.o.getToken && !this.authRetried) {
        this.authRetried = true;
        this.needToken = true;
        return this.scheduleReconnect(jitter(this.baseMs(), this.maxMs()));
      }
      return this.fail(new HaatError('unauthorized', `the server refused the token (${upgradeStatus === 401 ? 'HTTP 401 at the upgrade' : `close ${code}${reason ? ` ${reason}` : ''}`})`));
    }
    if (code === 4003) return this.fail(new HaatError('forbidden', `closed by the server with 4003 forbidden${reason ? `: ${reason}` : ''}`));
    if (code === 4008) return this.fail(new HaatError('policy_violation', `closed by the server with 4008 policy violation${reason ? `: ${reason}` : ''}`));
    let delay: number;
    if (code === 4029 || upgradeStatus === 429) {
      // Too many connections or a reconnect storm: back off long, and further each time.
      this.attempt = Math.max(this.attempt + 1, Math.ceil(Math.log2(this.maxMs() / this.baseMs())));
      delay = this.maxMs() / 2 + Math.random() * (this.maxMs() / 2);
      this.emit('error', new HaatError('too_many_connections', `the server refused the connection (${code === 4029 ? 'close 4029' : 'HTTP 429 at the upgrade'}); trying again in ${Math.round(delay)} ms`, { temporary: true, retry_after_ms: Math.round(delay) }));
    } else if (this.closingDelay !== undefined) {
      // Draining (1001): the server chose a jittered delay for us.
      delay = this.closingDelay;
    } else {
      delay = this.backoffDelay();
    }
    this.closingDelay = undefined;
    this.scheduleReconnect(delay);
  }

  private backoffDelay(): number {
    return jitter(this.baseMs() * 2 ** this.attempt++, this.maxMs());
  }

  private scheduleReconnect(delay: number): void {
    this.stats.last_delay_ms = Math.round(delay);
    this.setState(this.everOpened ? 'reconnecting' : 'connecting');
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) void this.openSocket();
    }, delay);
  }

  private fail(err: HaatError): void {
    this.stopped = true;
    this.clearTimers();
    this.unlistenOnline();
    const ws = this.ws;
    this.ws = null;
    if (ws) discard(ws, 1000, '');
    this.ended = err;
    this.emit('error', err);
    this.rejectAll(err);
    this.setState('closed');
  }

  private clearTimers(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stopHeartbeat();
  }

  /** Browsers: back online means try now, not at the end of a long backoff. */
  private listenOnline(): void {
    const g = globalThis as { addEventListener?: (n: string, f: () => void) => void };
    if (typeof g.addEventListener !== 'function' || this.onlineHandler) return;
    this.onlineHandler = () => {
      if (this.reconnectTimer === undefined || this.stopped) return;
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      void this.openSocket();
    };
    g.addEventListener('online', this.onlineHandler);
  }

  private unlistenOnline(): void {
    const g = globalThis as { removeEventListener?: (n: string, f: () => void) => void };
    if (this.onlineHandler && typeof g.removeEventListener === 'function') g.removeEventListener('online', this.onlineHandler);
    this.onlineHandler = undefined;
  }
}

function detach(ws: WebSocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
}

/** The error a socket we let go may still report (e.g. Node's `ws` aborting a handshake we closed): expected, so answered here. */
const lateSocketError = (): void => undefined;

/**
 * Lets a socket go: no more events reach the client, and it is closed. A
 * socket still connecting may report an error afterwards (`ws` does, and an
 * EventEmitter error with no listener would crash a Node app): it goes to
 * lateSocketError. Codes here are 1000 or 4000 and reasons are cut to the
 * protocol's 123 bytes, so close() has nothing to throw about.
 */
function discard(ws: WebSocketLike, code: number, reason: string): void {
  detach(ws);
  ws.onerror = lateSocketError;
  if (ws.readyState === 2 || ws.readyState === 3) return; // CLOSING or CLOSED already
  ws.close(code, truncateUtf8(reason, 123));
}

function truncateUtf8(s: string, maxBytes: number): string {
  let out = s;
  while (new TextEncoder().encode(out).length > maxBytes) out = out.slice(0, -1);
  return out;
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base)). */
export function jitter(base: number, cap: number): number {
  return Math.random() * Math.min(cap, base);
}

/**
 * When to send a refused (`unavailable`) request again. The server's
 * `retry_after_ms` is the earliest: the retry comes at a random moment
 * between it and twice it (at most `cap` later), so that a crowd refused at
 * once (a flash sale's buyers) does not come back in the same millisecond.
 * Without one, full-jitter backoff by attempt.
 */
export function retryDelay(retryAfterMs: number | undefined, attempt: number, baseMs: number, cap: number): number {
  if (retryAfterMs === undefined) return jitter(baseMs * 2 ** attempt, cap);
  return retryAfterMs + jitter(retryAfterMs, cap);
}

/** A JWT's `exp` (read, not verified: the server verifies) has passed, or is about to. */
export function tokenExpired(jwt: string, now = Date.now()): boolean {
  const part = jwt.split('.')[1];
  if (!part) return false;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' && exp * 1000 <= now + TOKEN_SKEW_MS;
  } catch {
    // Not a JWT we can read: let the server judge it.
    return false;
  }
}

let counter = 0;
/** An idempotency key: random (crypto where present) plus a counter, unique per client run. */
export function newId(prefix: string): string {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  const bytes = new Uint8Array(12);
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return `${prefix}_${s}${(counter++).toString(36)}`;
}
