// A worker thread of the session load generator: opens its share of
// connections with bounded ramp-up, joins their channels, keeps them alive
// with application pings, checks event offsets for gaps and duplicates
// (PROTOCOL.md §4), sends at a fixed rate or in bursts, and on command drops
// every socket at once, reconnects with full-jitter backoff and `since`, or
// churns (leave, disconnect, come back).
import { parentPort } from 'node:worker_threads';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { retryDelay } from '../../../src/client/client.ts';
import { nowMs } from '../clock.ts';
import { LatencyRecorder, encodeHistogram } from '../histogram.ts';
import { emptyCounters, refusalKind, type AssignCommand, type ChurnCommand, type SessionCommand, type SessionConfig, type SessionEvent } from './session-messages.ts';

/** The SDK's default backoff (DEFAULTS in src/client/client.ts): how a buyer's app waits before pressing again, or before it reconnects. */
const SDK_BACKOFF = { baseMs: 500, maxMs: 30_000 } as const;

const port = parentPort;
if (!port) throw new Error('loadgen/session-worker.ts must run as a worker thread');

type State = 'connecting' | 'joining' | 'ready' | 'leaving' | 'down';

interface Conn {
  i: number;
  ws: WebSocket | undefined;
  state: State;
  /** Last seen {epoch, offset} per joined channel. */
  channels: Map<string, { epoch: string; offset: number; t?: number }>;
  /** This connect carries `since` (a reconnect). */
  resuming: boolean;
  /** A reconnect was commanded for this connection and has not become ready yet. */
  reconnectWanted: boolean;
  /** We closed it (drop, churn, close): its close is not a server drop. */
  weClosed: boolean;
  ramp: boolean;
  pingAt: number;
  nextRef: number;
  sentAt: Map<number, number>;
  /** Temporary refusals retried so far, by request ref (the SDK's backoff grows with them). */
  attempts: Map<number, number>;
  sentCount: number;
  token: string | undefined;
  churnTimer: NodeJS.Timeout | undefined;
  /** performance.now() when the current connect started, and failed attempts of the current reconnect. */
  openedAt: number;
  attempt: number;
  /** resendOnDrop: servers moved past since the first connect (the server is ports[(i + hop) % ports.length]). */
  hop: number;
  /** resendOnDrop: the server dropped this connection; its unanswered requests (sentAt) go again once it is ready. */
  redialing: boolean;
}

const counters = emptyCounters();
const pingRtt = new LatencyRecorder();
const answerLatency = new LatencyRecorder();
/** Events whose data carries the publish time `t` (cluster bench): publish → this client. */
const deliveryLatency = new LatencyRecorder();
const conns: Conn[] = [];
let cfg: SessionConfig | undefined;
let churn: ChurnCommand | undefined;
let sending = false;
let sendStart = 0;
let perSecond = 0;
/** The send mode and burst size now (start from the config; set-rate may switch them). */
let sendMode: 'rate' | 'burst' = 'rate';
let burstSize = 0;
let lastBurstAt = 0;
let closing = false;
let reconnectJitterMs = 0;
const timers: NodeJS.Timeout[] = [];

function post(ev: SessionEvent): void {
  port!.postMessage(ev);
}

function channelsFor(c: SessionConfig, i: number): string[] {
  const out: string[] = [];
  const pattern = c.subscribe === 'mix' ? (['hot', 'cold', 'user'] as const)[i % 3]! : c.subscribe;
  if (pattern === 'hot') out.push('product:hot');
  else if (pattern === 'cold') out.push(`product:cold-${i % Math.max(1, c.coldChannels)}`);
  else if (pattern === 'user') out.push(`user:${c.subPrefix}${i}`);
  if (c.extraPrefix && c.extraModulo) out.push(`${c.extraPrefix}${i % c.extraModulo}`);
  return out;
}

function needsToken(c: SessionConfig, i: number): boolean {
  if (!c.jwtSecret) return false;
  if (c.roles && c.roles.length > 0) return true;
  return c.subscribe === 'user' || (c.subscribe === 'mix' && i % 3 === 2);
}

async function tokenFor(c: SessionConfig, conn: Conn): Promise<string | undefined> {
  if (conn.token !== undefined || !needsToken(c, conn.i)) return conn.token;
  conn.token = await new SignJWT({ roles: c.roles ?? ['customer'] })
    .setSubject(`${c.subPrefix}${conn.i}`)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('6h')
    .sign(new TextEncoder().encode(c.jwtSecret));
  return conn.token;
}

function setState(conn: Conn, s: State): void {
  if (conn.state === 'ready' && s !== 'ready') counters.ready--;
  if (conn.state !== 'ready' && s === 'ready') counters.ready++;
  conn.state = s;
}

function becameReady(conn: Conn): void {
  setState(conn, 'ready');
  counters.readyTotal++;
  if (conn.ramp) {
    conn.ramp = false;
    rampPending--;
    pump();
  }
  if (conn.redialing) {
    conn.redialing = false;
    conn.attempt = 0;
    counters.redialed++;
    for (const ref of conn.sentAt.keys()) {
      counters.resent++;
      conn.ws!.send(frameFor(cfg!, conn, ref));
    }
  }
  if (conn.reconnectWanted) {
    conn.reconnectWanted = false;
    conn.attempt = 0;
    counters.reconnectsDone++;
    counters.lastReconnectAt = Date.now();
    // A reconnect's own time, connect to ready (the fleet has no sender then).
    answerLatency.record((performance.now() - conn.openedAt) * 1000);
  }
  if (churn?.on) scheduleChurn(conn);
}

function scheduleChurn(conn: Conn): void {
  const ch = churn!;
  clearTimeout(conn.churnTimer);
  conn.churnTimer = setTimeout(
    () => {
      conn.churnTimer = undefined;
      if (conn.state !== 'ready' || !churn?.on || closing) return;
      if (conn.channels.size > 0 && cfg!.protocol === 'haat') {
        setState(conn, 'leaving');
        conn.ws!.send(JSON.stringify({ type: 'leave_channel', ref: 'l', channels: [...conn.channels.keys()] }));
      } else {
        closeForChurn(conn);
      }
    },
    ch.minLifeMs + Math.random() * (ch.maxLifeMs - ch.minLifeMs),
  );
}

function closeForChurn(conn: Conn): void {
  conn.weClosed = true;
  setState(conn, 'down');
  conn.ws?.close(1000);
  conn.channels.clear();
  const t = setTimeout(() => {
    if (!closing && churn?.on) void open(conn);
  }, Math.random() * (churn?.gapMs ?? 0));
  timers.push(t);
  if (timers.length > 10_000) timers.splice(0, 5_000);
}

async function open(conn: Conn): Promise<void> {
  const c = cfg!;
  if (closing) return;
  let token: string | undefined;
  try {
    token = await tokenFor(c, conn);
  } catch (err) {
    counters.lastError = `token: ${(err as Error).message}`;
  }
  const port = c.ports ? c.ports[(conn.i + conn.hop) % c.ports.length]! : c.port;
  const url = `ws://${c.host}:${port}${c.path}${token ? `?token=${token}` : ''}`;
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    localAddress: c.addresses[conn.i % c.addresses.length],
    handshakeTimeout: c.handshakeTimeoutMs,
  });
  conn.ws = ws;
  conn.openedAt = performance.now();
  conn.weClosed = false;
  conn.pingAt = 0;
  // A redial keeps its unanswered requests: they are sent again once ready.
  if (!conn.redialing) conn.sentAt.clear();
  conn.attempts.clear();
  setState(conn, 'connecting');
  ws.on('open', () => {
    if (c.protocol === 'uws') becameReady(conn);
  });
  ws.on('message', (data: Buffer) => {
    if (conn.ws === ws) onFrame(conn, ws, data);
  });
  ws.on('error', (err) => {
    counters.lastError = err.message;
  });
  ws.on('close', (code) => {
    if (conn.ws !== ws) return;
    const wasReady = conn.state === 'ready' || conn.state === 'leaving';
    setState(conn, 'down');
    if (conn.weClosed || closing) return;
    if (wasReady) {
      counters.serverClosed++;
      counters.closeCodes[String(code)] = (counters.closeCodes[String(code)] ?? 0) + 1;
      if (c.send?.resendOnDrop) {
        conn.redialing = true;
        redial(conn);
      }
    } else if (conn.redialing) {
      // The next server refused too (the killed one, or not up yet): on to the one after.
      redial(conn);
    } else {
      counters.failed++;
      if (conn.reconnectWanted) {
        // The client side's backoff: full jitter over an exponentially growing window, capped at 30 s.
        conn.attempt++;
        timers.push(setTimeout(() => void open(conn), Math.random() * Math.min(30_000, reconnectJitterMs * 2 ** conn.attempt)));
      }
      if (conn.ramp) {
        conn.ramp = false;
        rampPending--;
        pump();
      }
    }
  });
}

/**
 * The SDK's reconnect after a drop (src/client/client.ts): to the next server,
 * after its backoff for this attempt (full jitter, growing with each failed
 * attempt). A server that refuses the connect (a killed node) moves it on again.
 */
function redial(conn: Conn): void {
  conn.hop++;
  timers.push(setTimeout(() => void open(conn), retryDelay(undefined, conn.attempt++, SDK_BACKOFF.baseMs, SDK_BACKOFF.maxMs)));
}

/** A Socket.IO ack `43<ref>[...]` answers the request `ref`. */
function answered(conn: Conn, ref: number): void {
  counters.replies++;
  settled(conn, ref);
}

/** Request `ref` got its answer (a reply or a final error): its latency is recorded once. */
function settled(conn: Conn, ref: number): void {
  const at = conn.sentAt.get(ref);
  if (at !== undefined) {
    conn.sentAt.delete(ref);
    conn.attempts.delete(ref);
    answerLatency.record((performance.now() - at) * 1000);
  }
}

/** Socket.IO over `ws`: the connect handshake, pings, and acks (see protocols/socketio.ts). */
function onSocketIoFrame(conn: Conn, ws: WebSocket, data: Buffer): void {
  if (data.length === 1 && data[0] === 0x32) return void ws.send('3');
  const head = data.toString('latin1', 0, 2);
  if (head === '0{') return void ws.send('40');
  if (head === '40') return becameReady(conn);
  if (head === '43') {
    let ref = 0;
    for (let i = 2; i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39; i++) ref = ref * 10 + data[i]! - 0x30;
    return answered(conn, ref);
  }
  if (head === '44') counters.lastError = `socket.io connect_error: ${data.toString('utf8', 0, 200)}`;
}

function onFrame(conn: Conn, ws: WebSocket, data: Buffer): void {
  if (cfg!.protocol === 'socketio') return onSocketIoFrame(conn, ws, data);
  let f: Record<string, unknown>;
  try {
    f = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
  } catch {
    counters.lastError = `unparsable frame: ${data.toString('utf8', 0, 80)}`;
    return;
  }
  switch (f.type) {
    case 'event': {
      counters.events++;
      const t = (f.data as { t?: unknown } | undefined)?.t;
      if (typeof t === 'number') deliveryLatency.record((nowMs() - t) * 1000);
      const st = conn.channels.get(f.channel as string);
      if (!st) return;
      const offset = f.offset as number;
      if (typeof t === 'number') {
        if (st.t === t) counters.repeats++;
        st.t = t;
      }
      if (f.epoch !== st.epoch) {
        counters.epochChanges++;
        st.epoch = f.epoch as string;
        st.offset = offset;
        return;
      }
      if (offset <= st.offset) counters.duplicates++;
      else {
        if (offset > st.offset + 1) counters.gaps += offset - st.offset - 1;
        st.offset = offset;
      }
      return;
    }
    case 'reply':
    case 'error': {
      const ref = f.ref;
      if (f.type === 'error') {
        const code = String(f.code);
        if (cfg?.send?.retryTemporary && f.temporary === true && typeof ref === 'number' && conn.sentAt.has(ref)) {
          // A client retries a temporary refusal with the same request (the same
          // client_req_id: a reservation made before a timeout is answered again,
          // not made twice). Not an answer yet: the latency runs on.
          counters.retried++;
          const why = refusalKind(code, f.message);
          counters.retriedWhy[why] = (counters.retriedWhy[why] ?? 0) + 1;
          const retry = frameFor(cfg, conn, ref);
          const attempt = (conn.attempts.get(ref) ?? 0) + 1;
          conn.attempts.set(ref, attempt);
          // When the SDK would send it again (src/client/client.ts, its default
          // backoff): between retry_after_ms and twice it, or full-jitter backoff
          // by attempt when the refusal names no time. Unlike the SDK, which gives
          // up after three attempts, a buyer here presses again until answered.
          setTimeout(
            () => {
              if (conn.ws === ws && conn.state === 'ready') ws.send(retry);
            },
            retryDelay(typeof f.retry_after_ms === 'number' ? f.retry_after_ms : undefined, attempt, SDK_BACKOFF.baseMs, SDK_BACKOFF.maxMs),
          );
          return;
        }
        counters.errors++;
        counters.errorCodes[code] = (counters.errorCodes[code] ?? 0) + 1;
        counters.lastError = data.toString('utf8', 0, 200);
        if (ref === 'j') {
          // The join itself failed: not ready.
          counters.failed++;
          conn.weClosed = true;
          ws.terminate();
          return;
        }
        if (typeof ref === 'number') settled(conn, ref);
      } else if (typeof ref === 'number') {
        answered(conn, ref);
      } else {
        counters.replies++;
      }
      return;
    }
    case 'pong':
      if (conn.pingAt > 0) {
        pingRtt.record((performance.now() - conn.pingAt) * 1000);
        conn.pingAt = 0;
      }
      counters.pongs++;
      return;
    case 'authenticated': {
      const channels = channelsFor(cfg!, conn.i);
      if (channels.length === 0) return becameReady(conn);
      const since: Record<string, { epoch: string; offset: number }> = {};
      if (conn.resuming) for (const [ch, st] of conn.channels) since[ch] = { epoch: st.epoch, offset: st.offset };
      setState(conn, 'joining');
      ws.send(JSON.stringify(conn.resuming ? { type: 'join_channel', ref: 'j', channels, since } : { type: 'join_channel', ref: 'j', channels }));
      return;
    }
    case 'channels_joined': {
      const denied = f.denied as unknown[];
      if (denied.length > 0) {
        counters.failed++;
        counters.lastError = `join denied: ${data.toString('utf8', 0, 200)}`;
        conn.weClosed = true;
        ws.terminate();
        return;
      }
      counters.joins++;
      let allRecovered = true;
      for (const j of f.channels as Array<{ channel: string; epoch: string; offset: number; recovered: boolean }>) {
        const st = conn.channels.get(j.channel);
        if (conn.resuming && st && j.recovered && j.epoch === st.epoch) continue; // replay continues from st.offset
        if (conn.resuming) allRecovered = false;
        conn.channels.set(j.channel, { epoch: j.epoch, offset: j.offset });
      }
      if (conn.resuming) {
        if (allRecovered) counters.recovered++;
        else counters.notRecovered++;
        conn.resuming = false;
      }
      return becameReady(conn);
    }
    case 'channels_left':
      counters.leaves++;
      if (conn.state === 'leaving') closeForChurn(conn);
      return;
    default:
      return;
  }
}

let rampNext = 0;
let rampPending = 0;

function pump(): void {
  const c = cfg!;
  while (!closing && rampPending < c.maxPending && rampNext < conns.length) {
    const conn = conns[rampNext++]!;
    conn.ramp = true;
    rampPending++;
    void open(conn);
  }
}

function startHeartbeats(c: SessionConfig): void {
  if (c.heartbeatMs <= 0 || c.protocol !== 'haat') return;
  const tickMs = 100;
  const slots = Math.max(1, Math.round(c.heartbeatMs / tickMs));
  let tick = 0;
  const timer = setInterval(() => {
    const slot = tick++ % slots;
    for (let k = slot; k < conns.length; k += slots) {
      const conn = conns[k]!;
      if (conn.state !== 'ready' || conn.pingAt > 0) continue;
      conn.pingAt = performance.now();
      counters.pingsSent++;
      conn.ws!.send('{"type":"ping","ref":"p"}');
    }
  }, tickMs);
  timers.push(timer);
}

function frameFor(c: SessionConfig, conn: Conn, ref: number): string {
  const s = c.send!;
  const k = (conn.i * 7919 + ref) % Math.max(1, s.targets);
  const kind = s.kind === 'mixed' ? (ref % 2 === 0 ? 'user-message' : 'broadcast') : s.kind;
  switch (kind) {
    case 'user-message':
      return `{"type":"send_message","ref":${ref},"channel":"user:u${k}","message":"hello ${ref}"}`;
    case 'broadcast':
      return `{"type":"broadcast_event","ref":${ref},"channel":"${s.broadcastPrefix ?? 'product:in-'}${k}","event_type":"bench","data":{"n":${ref}}}`;
    case 'bid':
      return `{"type":"bid","ref":${ref},"auction_id":"${s.targetPrefix ?? 'bench-a'}${k}","amount":${ref % (s.acceptEvery ?? 1) === 0 ? 100 + ref : 1},"client_bid_id":"b${ref}"}`;
    case 'reserve':
      return `{"type":"reserve","ref":${ref},"sale_id":"${s.targetPrefix ?? 'bench-s'}","sku":"sku${k}","qty":1,"client_req_id":"press-${ref}"}`;
    case 'socketio-ack':
      return `42${ref}["request",{"channel":"user:u${k}","message":"hello ${ref}"}]`;
    default:
      return `{"type":"echo","ref":${ref}}`;
  }
}

/** A connection's offset into its send period, as a fraction in [0, 1): golden-ratio steps spread any number of connections evenly. */
function phaseOf(i: number): number {
  return (i * 0.6180339887498949) % 1;
}

function startSender(c: SessionConfig): void {
  if (!c.send) return;
  const s = c.send;
  const spread = s.mode === 'rate' && s.arrivals === 'spread';
  const timer = setInterval(() => {
    if (!sending) return;
    const now = performance.now();
    let burstDue = false;
    if (sendMode === 'burst') {
      if (now - lastBurstAt < s.burstEveryMs) return;
      lastBurstAt = now;
      burstDue = true;
    }
    for (const conn of conns) {
      if (conn.state !== 'ready') continue;
      let due = burstDue ? burstSize : Math.floor((perSecond * (now - sendStart)) / 1000 + (spread ? phaseOf(conn.i) : 0)) - conn.sentCount;
      if (s.maxPerConn !== undefined) due = Math.min(due, s.maxPerConn - (conn.nextRef - 1));
      if (due <= 0) continue;
      const room = s.maxOutstanding - conn.sentAt.size;
      if (due > room) {
        counters.sendStalls++;
        // Skipped sends are not owed later: the schedule moves on.
        if (!burstDue) conn.sentCount += due - Math.max(0, room);
        due = Math.max(0, room);
      }
      const ws = conn.ws!;
      // One write per connection per tick, not one per frame: the client
      // shares the cores with the server, and a syscall per frame would cost
      // more than the server's work for it. (ws has no public cork.)
      const sock = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
      sock?.cork();
      for (let n = 0; n < due; n++) {
        const ref = conn.nextRef++;
        conn.sentAt.set(ref, performance.now());
        ws.send(frameFor(c, conn, ref));
      }
      sock?.uncork();
      if (!burstDue) conn.sentCount += due;
      counters.sent += due;
    }
  }, spread ? 1 : 5);
  timers.push(timer);
}

function assign(a: AssignCommand): void {
  cfg = a.config;
  perSecond = a.config.send?.perSecond ?? 0;
  sendMode = a.config.send?.mode ?? 'rate';
  burstSize = a.config.send?.burst ?? 0;
  for (let n = 0; n < a.count; n++) {
    conns.push({
      i: a.first + n * a.step,
      ws: undefined,
      state: 'down',
      channels: new Map(),
      resuming: false,
      reconnectWanted: false,
      weClosed: false,
      ramp: false,
      pingAt: 0,
      nextRef: 1,
      sentAt: new Map(),
      attempts: new Map(),
      sentCount: 0,
      token: undefined,
      churnTimer: undefined,
      openedAt: 0,
      attempt: 0,
      hop: 0,
      redialing: false,
    });
  }
  timers.push(setInterval(() => post({ ev: 'progress', ...counters }), a.config.progressMs));
  startHeartbeats(a.config);
  startSender(a.config);
  pump();
}

port.on('message', (msg: SessionCommand) => {
  switch (msg.cmd) {
    case 'assign':
      return assign(msg);
    case 'start-sending':
      sending = true;
      sendStart = performance.now();
      lastBurstAt = 0;
      for (const conn of conns) conn.sentCount = 0;
      return post({ ev: 'reply', id: msg.id });
    case 'stop-sending':
      sending = false;
      return post({ ev: 'reply', id: msg.id });
    case 'set-rate':
      perSecond = msg.perSecond;
      if (msg.burst !== undefined) {
        sendMode = msg.burst > 0 ? 'burst' : 'rate';
        burstSize = msg.burst;
      }
      sendStart = performance.now();
      for (const conn of conns) conn.sentCount = 0;
      return post({ ev: 'reply', id: msg.id });
    case 'reset':
      pingRtt.reset();
      answerLatency.reset();
      deliveryLatency.reset();
      return post({ ev: 'reply', id: msg.id });
    case 'collect':
      post({ ev: 'progress', ...counters });
      return post({ ev: 'reply', id: msg.id, ping: encodeHistogram(pingRtt.histogram()), answer: encodeHistogram(answerLatency.histogram()), delivery: encodeHistogram(deliveryLatency.histogram()) });
    case 'drop':
      for (const conn of conns) {
        if (!conn.ws) continue;
        conn.weClosed = true;
        setState(conn, 'down');
        conn.ws.terminate();
      }
      post({ ev: 'progress', ...counters });
      return post({ ev: 'reply', id: msg.id });
    case 'reconnect':
      reconnectJitterMs = msg.jitterMs;
      for (const conn of conns) {
        if (conn.state !== 'down') continue;
        conn.resuming = conn.channels.size > 0;
        conn.reconnectWanted = true;
        counters.reconnectsWanted++;
        timers.push(setTimeout(() => void open(conn), Math.random() * msg.jitterMs));
      }
      return post({ ev: 'reply', id: msg.id });
    case 'churn':
      churn = msg;
      if (msg.on) for (const conn of conns) if (conn.state === 'ready') scheduleChurn(conn);
      if (!msg.on) for (const conn of conns) clearTimeout(conn.churnTimer);
      return post({ ev: 'reply', id: msg.id });
    case 'close':
      closing = true;
      sending = false;
      for (const t of timers) clearTimeout(t);
      for (const conn of conns) {
        clearTimeout(conn.churnTimer);
        conn.weClosed = true;
        conn.ws?.terminate();
      }
      post({ ev: 'progress', ...counters });
      post({ ev: 'reply', id: msg.id });
      port.close();
      return;
  }
});
